// Decides, once per process, whether output is for a person (TTY: colour,
// spinners, live lines) or for a machine/CI (plain, line-based, grep-able).
import { setColor } from './colors.js';

export interface OutputMode {
  /** stderr is a terminal and we are not in CI: spinners and live lines allowed. */
  interactive: boolean;
  color: boolean;
  verbose: boolean;
}

let mode: OutputMode = { interactive: false, color: false, verbose: false };

export function configureOutput(opts: { noColor?: boolean; verbose?: boolean }): OutputMode {
  const env = process.env;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const interactive = Boolean(process.stderr.isTTY) && !ci && env.TERM !== 'dumb';
  const colorOn = interactive && Boolean(process.stdout.isTTY || process.stderr.isTTY) && !noColorEnv && !opts.noColor;
  mode = { interactive, color: colorOn, verbose: Boolean(opts.verbose) };
  setColor(colorOn);
  return mode;
}

export function outputMode(): OutputMode {
  return mode;
}
