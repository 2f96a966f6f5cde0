// Results go to stdout; logs, progress and warnings go to stderr.
import { color } from './colors.js';
import { outputMode } from './terminal.js';

export const log = {
  /** A result line (stdout). */
  result(line: string): void {
    process.stdout.write(line + '\n');
  },
  info(line: string): void {
    process.stderr.write(line + '\n');
  },
  warn(line: string): void {
    process.stderr.write(color.warn('Warning: ') + line + '\n');
  },
  error(line: string): void {
    process.stderr.write(color.error('error: ') + line + '\n');
  },
  /** Only with -v. */
  debug(line: string): void {
    if (outputMode().verbose) process.stderr.write(color.dim(line) + '\n');
  },
};
