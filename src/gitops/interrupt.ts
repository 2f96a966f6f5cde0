// SIGINT and SIGTERM end an apply, sync or rollback cleanly: no new write
// starts, writes in flight finish (a request cut off mid-way leaves a state
// nobody can describe), waiting stops, the revision is recorded as
// interrupted, the lock is released, and the command returns 130 or 143 for
// src/cli.ts to exit with. A second signal is not caught: it ends the process
// at once, as usual.
import { ExitCode } from '../engine/errors.js';

export interface Interrupt {
  readonly signal: AbortSignal;
  /** 130 or 143 once a signal arrived. */
  exitCode(): number | undefined;
  dispose(): void;
}

export function catchInterrupts(onSignal?: (name: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let code: number | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const dispose = () => {
    for (const [sig, fn] of handlers) process.removeListener(sig, fn);
    handlers.clear();
  };
  for (const [sig, exit] of [['SIGINT', ExitCode.SIGINT], ['SIGTERM', ExitCode.SIGTERM]] as const) {
    const fn = () => {
      code = exit;
      dispose();
      onSignal?.(sig);
      controller.abort(new Error(`interrupted by ${sig}`));
    };
    handlers.set(sig, fn);
    process.on(sig, fn);
  }
  return { signal: controller.signal, exitCode: () => code, dispose };
}
