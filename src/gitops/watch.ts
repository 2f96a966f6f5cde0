// `sync --watch`: a sync pass on every tick, like Flux's reconcile loop. A new
// commit is deployed; an unchanged one is re-applied, which puts back anything
// changed by hand. A pass that fails is reported and retried with exponential
// backoff; the loop itself ends only when `stop` fires: a deploy in progress
// then starts no further write and its pass is recorded as interrupted.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, GdeployError, errorMessage } from '../engine/errors.js';
import { newSyncState, syncOnce, type SyncSettings } from './sync.js';
import type { GitSource } from './source.js';

export interface WatchSettings extends SyncSettings {
  intervalMs: number;
  /** Longest wait between retries of a failing pass. */
  maxBackoffMs?: number;
  /** Ends the loop; the pass in progress halts its deploy between writes (see ReleaseSettings.signal). */
  stop: AbortSignal;
  /** Ends the loop after this many passes (tests and benchmarks). */
  maxPasses?: number;
  /**
   * Cuts a wait short (a webhook said the branch moved): asked for as each
   * pass starts, its signal ends the wait that follows the pass.
   */
  wake?: () => AbortSignal;
}

export interface WatchResult {
  passes: number;
  /** The exit code of the last pass. */
  lastExitCode: number;
}

export async function watch(s: WatchSettings, source: GitSource): Promise<WatchResult> {
  const state = newSyncState();
  const settings: SyncSettings = { ...s, signal: s.stop };
  let failures = 0;
  let passes = 0;
  let lastExitCode: number = ExitCode.OK;
  while (!s.stop.aborted && (s.maxPasses === undefined || passes < s.maxPasses)) {
    passes++;
    const woken = s.wake?.();
    try {
      const r = await syncOnce(settings, source, state);
      // Later passes use the branch the first one resolved: no extra round trip for the remote's HEAD.
      settings.branch ??= r.head.branch;
      if (r.outcome !== undefined) {
        lastExitCode = r.exitCode;
        if (r.outcome.result === 'interrupted') break;
        if (r.outcome.result === 'succeeded') {
          failures = 0;
          state.holdOff = undefined;
        } else {
          failures = state.holdOff?.head === r.head.sha ? failures + 1 : 1;
          const wait = backoff(s, failures);
          state.holdOff = { head: r.head.sha, until: Date.now() + wait };
          s.emit({ type: 'retry', error: r.outcome.reason ?? 'the deploy failed', inMs: wait });
        }
      }
    } catch (err) {
      if (s.stop.aborted) break;
      failures++;
      const wait = backoff(s, failures);
      lastExitCode = err instanceof GdeployError ? err.exitCode : ExitCode.ERROR;
      s.emit({ type: 'retry', error: errorMessage(err), inMs: wait });
      if (await pause(wait, s.stop, woken)) break;
      continue;
    }
    if (s.maxPasses !== undefined && passes >= s.maxPasses) break;
    if (await pause(s.intervalMs, s.stop, woken)) break;
  }
  return { passes, lastExitCode };
}

/** Sleeps until `ms` pass or `woken` fires; true when stopped meanwhile. */
export async function pause(ms: number, stop: AbortSignal, woken?: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: woken ? AbortSignal.any([stop, woken]) : stop });
    return false;
  } catch {
    return stop.aborted;
  }
}

/** interval, 2x, 4x, ... capped: a broken commit or remote is not hammered. */
function backoff(s: WatchSettings, failures: number): number {
  const max = s.maxBackoffMs ?? Math.max(s.intervalMs, 5 * 60_000);
  return Math.min(max, s.intervalMs * 2 ** Math.min(failures, 16));
}
