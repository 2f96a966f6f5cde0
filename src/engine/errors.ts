// One error model for the whole CLI. Everything a user can cause or fix is a
// GdeployError: a message that says what went wrong, an optional hint that says
// what to do, and the exit code the CLI ends with. Only src/cli.ts exits.

export const ExitCode = {
  OK: 0,
  /** Generic failure; for `diff`, "differences found" (as kubectl diff). */
  ERROR: 1,
  /** Bad flags or arguments; for `diff`, any error (kubectl diff: >1 is an error). */
  USAGE: 2,
  /** A rollout failed (ImagePullBackOff, CrashLoopBackOff, ProgressDeadlineExceeded, ...). */
  ROLLOUT_FAILED: 3,
  /** A rollout did not finish within --timeout. */
  ROLLOUT_TIMEOUT: 4,
  /** Another gdeploy operation holds the app's lock. */
  LOCKED: 5,
  /** Interrupted by SIGINT. */
  SIGINT: 130,
  /** Interrupted by SIGTERM. */
  SIGTERM: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface GdeployErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class GdeployError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: GdeployErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GdeployError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.ERROR;
  }
}

/** A usage error: bad flags, arguments or their combination. Never touches the cluster. */
export class UsageError extends GdeployError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.USAGE });
    this.name = 'UsageError';
  }
}

/** Collects every validation problem before failing, as kubectl's Validate() does. */
export function assertValid(problems: string[]): void {
  if (problems.length === 1) throw new UsageError(problems[0]!);
  if (problems.length > 1) throw new UsageError(`invalid arguments:\n  - ${problems.join('\n  - ')}`);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
