// What `sync` and `rollback` share between flags and the GitOps engine: the
// release flags checked and turned into settings, and signal handling that
// turns SIGINT/SIGTERM into an exit code (`apply` uses it too).
import { durationFlag, positiveIntegerFlag, waitFlags } from '../commands/shared.js';
import { log } from '../ui/log.js';
import type { Kube } from '../kube/types.js';
import type { EmitFn } from './events.js';
import { catchInterrupts } from './interrupt.js';
import type { ReleaseSettings } from './release.js';

export interface ReleaseFlags {
  prune: boolean;
  allowEmpty: boolean;
  dryRun: boolean;
  wait: boolean;
  /** 'all' when absent. */
  waitFor?: 'all' | 'workloads' | 'none';
  timeout: string;
  /** --bake: how long to keep watching after the rollout; '0' (or absent) for no bake. */
  bake?: string;
  rollbackOnFailure: boolean;
  concurrency: string;
  lockTimeout: string;
}

export interface ParsedReleaseFlags {
  timeoutMs: number;
  bakeMs: number;
  lockWaitMs: number;
  concurrency: number;
}

/** Checks the flags `apply`, `sync` and `rollback` share; problems are appended for assertValid. */
export function parseReleaseFlags(flags: Pick<ReleaseFlags, 'timeout' | 'bake' | 'lockTimeout' | 'concurrency'>, problems: string[]): ParsedReleaseFlags {
  return {
    timeoutMs: durationFlag('--timeout', flags.timeout, problems),
    bakeMs: durationFlag('--bake', flags.bake ?? '0', problems),
    lockWaitMs: durationFlag('--lock-timeout', flags.lockTimeout, problems),
    concurrency: positiveIntegerFlag('--concurrency', flags.concurrency, problems),
  };
}

export type CommandSettings = ReleaseSettings & { lockWaitMs: number; rollbackOnFailure: boolean };

export function releaseSettings(
  kube: Kube,
  app: string,
  flags: ReleaseFlags,
  parsed: ParsedReleaseFlags,
  signal: AbortSignal,
  emit: EmitFn,
): CommandSettings {
  return {
    kube,
    app,
    namespace: kube.namespace,
    enforceNamespace: kube.namespaceExplicit,
    prune: flags.prune,
    allowEmpty: flags.allowEmpty,
    dryRun: flags.dryRun,
    ...waitFlags(flags),
    timeoutMs: parsed.timeoutMs,
    bakeMs: parsed.bakeMs,
    concurrency: parsed.concurrency,
    signal,
    emit,
    lockWaitMs: parsed.lockWaitMs,
    rollbackOnFailure: flags.rollbackOnFailure,
  };
}

/**
 * Runs `fn` with a signal that fires on SIGINT/SIGTERM. After a signal, the
 * command ends with 130/143 whatever `fn` returned or threw.
 */
export async function interruptible(fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interrupt = catchInterrupts((sig) => log.info(`${sig}: starting no new write; finishing those in flight, then stopping (a second ${sig} stops at once)`));
  try {
    const code = await fn(interrupt.signal);
    return interrupt.exitCode() ?? code;
  } catch (err) {
    const code = interrupt.exitCode();
    if (code === undefined) throw err;
    log.info(`stopped: ${err instanceof Error ? err.message : String(err)}`);
    return code;
  } finally {
    interrupt.dispose();
  }
}
