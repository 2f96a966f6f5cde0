// Colours by role, in one place. Colour is on only for a TTY, and never with
// NO_COLOR, --no-color or CI=true (see configureOutput).
import chalk from 'chalk';

let enabled = false;

export function setColor(on: boolean): void {
  enabled = on;
  chalk.level = on ? Math.max(chalk.level, 1) as 1 | 2 | 3 : 0;
}

export function colorEnabled(): boolean {
  return enabled;
}

const paint = (fn: (s: string) => string) => (s: string) => (enabled ? fn(s) : s);

export const color = {
  error: paint((s) => chalk.red(s)),
  warn: paint((s) => chalk.yellow(s)),
  info: paint((s) => chalk.cyan(s)),
  success: paint((s) => chalk.green(s)),
  dim: paint((s) => chalk.dim(s)),
  bold: paint((s) => chalk.bold(s)),
  added: paint((s) => chalk.green(s)),
  removed: paint((s) => chalk.red(s)),
  header: paint((s) => chalk.bold.cyan(s)),
};
