// What set-image and edit share once they know what to write: changes made by
// hand to live objects, released through the engine like any other release
// (plan, write, wait, put back on failure, record), under the lock of every
// app the objects belong to, and recorded in each app's history with whether
// git has the change.
import { ExitCode, GdeployError, errorMessage } from '../engine/errors.js';
import type { Change } from '../engine/changeset.js';
import type { OwningApp } from '../engine/ownership.js';
import type { ReleaseOutcome } from '../engine/release.js';
import type { DeployResult, WaitFor, WriteVerb } from '../engine/types.js';
import type { AppLock } from '../engine/lock.js';
import type { Kube, KubeObject } from '../kube/types.js';
import type { OutputFormat } from './shared.js';
import { log } from '../ui/log.js';

export interface HandRelease {
  action: 'set-image' | 'edit';
  /** What to write, one object each: apply bodies, or whole objects to update. */
  objects: KubeObject[];
  write: WriteVerb;
  fieldManager: string;
  /**
   * The objects as read, before the change: the apps they belong to are
   * locked, warned about when they follow git, and get the history entry.
   */
  live: KubeObject[];
  dryRun: boolean;
  wait: boolean;
  waitFor: WaitFor;
  timeoutMs: number;
  failureGraceMs: number;
  /** After the rollout, keep watching this long (--bake); 0: no bake. The put back is not baked. */
  bakeMs: number;
  /** How long to wait for another operation on an app the objects belong to (--lock-timeout). */
  lockWaitMs: number;
  rollbackOnFailure: boolean;
  output: OutputFormat;
  /** What a change did, for history: `web: nginx:1 -> nginx:2`. */
  describe: (c: Change) => string;
  /** The write is done (or refused): print what it did, before the wait. */
  onDeployed?: (result: DeployResult) => void;
}

export interface HandOutcome {
  outcome: ReleaseOutcome;
  /** The apps the objects belong to. */
  owners: OwningApp[];
  /** The command's failure, as it is reported: a rollout that did not finish, or a write refused. */
  failure?: GdeployError;
  /** Set when SIGINT or SIGTERM stopped it: the exit code (130 or 143). */
  interrupted?: number;
}

export async function releaseByHand(kube: Kube, r: HandRelease): Promise<HandOutcome> {
  const { release } = await import('../engine/release.js');
  const { acquireAppLock, untilLost } = await import('../engine/lock.js');
  const { followRollouts, rolloutError } = await import('../ui/progress.js');
  const { catchInterrupts } = await import('../gitops/interrupt.js');
  const { owningApps, notInGitMessage } = await import('../engine/ownership.js');
  const owners = await owningApps(kube, r.live);
  // Said before the write: an app that follows git gets this change taken back by its next sync.
  for (const o of owners) if (o.followsGit) log.warn(notInGitMessage(o));
  const interrupt = catchInterrupts();
  const locks: AppLock[] = [];
  try {
    let halt: AbortSignal | undefined = interrupt.signal;
    if (!r.dryRun) {
      // In one order, so that two commands on the same apps never hold one each.
      for (const o of [...owners].sort((a, b) => `${a.namespace}/${a.app}`.localeCompare(`${b.namespace}/${b.app}`))) {
        const lock = await acquireAppLock(kube, {
          app: o.app,
          namespace: o.namespace,
          operation: r.action,
          waitMs: r.lockWaitMs,
          signal: interrupt.signal,
          onWait: (h) => log.info(`waiting for ${h.identity} to finish with app ${o.app}...`),
        });
        locks.push(lock);
        halt = untilLost(lock, halt);
      }
    }
    const follow = { timeoutMs: r.timeoutMs, failureGraceMs: r.failureGraceMs, signal: interrupt.signal, output: r.output, namespace: kube.namespace };
    const failureOf = (o: ReleaseOutcome): GdeployError | undefined => {
      if (o.rollout && o.rollout.outcome !== 'done') return rolloutError(o.rollout, kube.namespace, o.putBack?.rollout);
      if (o.result === 'succeeded' || o.result === 'interrupted') return undefined;
      return new GdeployError(o.reason ?? `${r.action} failed`);
    };
    const outcome = await release(kube, {
      objects: r.objects,
      kind: 'edits',
      write: r.write,
      fieldManager: r.fieldManager,
      // Naming a value on the command line (or saving it in the editor) is the decision to take it over.
      forceConflicts: true,
      app: '',
      namespace: kube.namespace,
      dryRun: r.dryRun,
      wait: r.wait,
      waitFor: r.waitFor,
      timeoutMs: r.timeoutMs,
      halt,
      rollbackOnFailure: r.rollbackOnFailure,
      onEvent: (ev) => {
        if (ev.type === 'deployed') r.onDeployed?.(ev.result);
      },
      follow: (workloads, phase) => {
        if (phase === 'put back' && r.output === 'table') log.info('rolling back: putting the objects back as they were');
        return followRollouts(kube, workloads, phase === 'release' ? { ...follow, bakeMs: r.bakeMs } : follow);
      },
      record: (o) => recordByApp(kube, r, owners, o, failureOf(o)?.message ?? o.reason),
    });
    for (const e of outcome.putBack?.errors ?? []) log.error(e.message);
    const code = interrupt.exitCode();
    if (code !== undefined) {
      if (!outcome.deploy.interrupted) log.error('interrupted while waiting for the rollout; it goes on in the cluster');
      return { outcome, owners, interrupted: code };
    }
    return { outcome, owners, failure: failureOf(outcome) };
  } finally {
    interrupt.dispose();
    for (const lock of locks.reverse()) await lock.release().catch((err) => log.warn(`cannot release a lock: ${errorMessage(err)}`));
  }
}

/** One revision per app whose objects changed: what, how it ended, and whether git has it. */
async function recordByApp(kube: Kube, r: HandRelease, owners: OwningApp[], outcome: ReleaseOutcome, reason: string | undefined): Promise<void> {
  const { recordManualChange } = await import('../engine/ownership.js');
  const { keyOf, refOf } = await import('../engine/changeset.js');
  const written = outcome.deploy.changeSet.changes.filter((c) => c.action === 'configured' || c.action === 'failed');
  for (const o of owners) {
    const mine = new Set(o.objects.map((x) => keyOf(refOf(x))));
    const changes = written.filter((c) => mine.has(keyOf(c.ref)));
    if (changes.length === 0) continue;
    await recordManualChange(kube, o, {
      action: r.action,
      result: outcome.result,
      what: changes.map(r.describe).join('; '),
      reason: outcome.result === 'succeeded' ? undefined : reason,
      objects: o.objects.filter((x) => changes.some((c) => keyOf(c.ref) === keyOf(refOf(x)))),
    }).catch((err) => log.warn(`cannot record the change in the history of app ${o.app}: ${errorMessage(err)}`));
  }
}

/** The exit code of a hand release, throwing its failure for the table output. */
export function exitOf(h: HandOutcome): number {
  if (h.interrupted !== undefined) return h.interrupted;
  if (h.failure) throw h.failure;
  return ExitCode.OK;
}
