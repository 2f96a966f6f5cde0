import { Command } from 'commander';
import { waitFlags, addApplyOptions, allowEmptyOption, addFileOptions, addWaitOptions, globalsOf, outputOption, runAction, type OutputFormat, lockTimeoutOption } from './shared.js';
import { ExitCode, GdeployError, assertValid, errorMessage } from '../engine/errors.js';
import type { ReleaseOutcome } from '../engine/release.js';
import type { AppLock } from '../engine/lock.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { log } from '../ui/log.js';

interface ApplyFlags {
  filename: string[];
  recursive: boolean;
  app?: string;
  dryRun: boolean;
  forceConflicts: boolean;
  concurrency: string;
  wait: boolean;
  waitFor: 'all' | 'workloads' | 'none';
  timeout: string;
  bake: string;
  lockTimeout: string;
  rollbackOnFailure: boolean;
  prune: boolean;
  allowEmpty: boolean;
  output: OutputFormat;
}

const EXAMPLES = `
Examples:
  # Create or update the tutorial's app, wait until it is rolled out
  gdeploy apply -f examples/hello-world-flask

  # Also delete what was removed from the directory since the last apply
  gdeploy apply -f deploy/ -R --prune

  # Show what would happen, as JSON
  gdeploy apply -f deploy/ --dry-run -o json`;

export function applyCommand(): Command {
  const cmd = new Command('apply').description('apply manifests with server-side apply, prune and wait for rollouts');
  addFileOptions(cmd);
  addApplyOptions(cmd);
  addWaitOptions(cmd);
  return cmd
    .option('--prune', "delete objects of the app's inventory that are no longer in the manifests", false)
    .addOption(allowEmptyOption())
    .addOption(lockTimeoutOption())
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (flags: ApplyFlags, self: Command) => runApply(flags, self)));
}

async function runApply(flags: ApplyFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { parseReleaseFlags, interruptible } = await import('../gitops/command.js');
  const problems: string[] = [];
  const { concurrency, timeoutMs, bakeMs, lockWaitMs } = parseReleaseFlags(flags, problems);
  assertValid(problems);

  // The engine and the Kubernetes client load only now, so that --help stays fast.
  const { openSession } = await import('../engine/session.js');
  const { kube, objects, app } = await openSession({ ...g, log: g.verbose ? log.debug : undefined }, { ...flags, verb: 'apply' });
  try {
    return await interruptible((interrupt) => applyLocked(kube, objects, app, flags, { timeoutMs, bakeMs, lockWaitMs, concurrency }, interrupt));
  } finally {
    kube.close();
  }
}

/**
 * The apply itself, under the app's lock. `interrupt` (SIGINT, SIGTERM) halts
 * the deploy between writes and stops any wait; the revision is then recorded
 * as interrupted, and the caller turns it into 130 or 143.
 */
async function applyLocked(
  kube: Kube,
  objects: KubeObject[],
  app: string,
  flags: ApplyFlags,
  parsed: { timeoutMs: number; bakeMs: number; lockWaitMs: number; concurrency: number },
  interrupt: AbortSignal,
): Promise<number> {
  const { release } = await import('../engine/release.js');
  const { interruptedSummary } = await import('../engine/halt.js');
  const { printChangeSet, deployProgress } = await import('../ui/changeset.js');
  const { followRollouts, rolloutError } = await import('../ui/progress.js');
  const { acquireAppLock, untilLost } = await import('../engine/lock.js');
  let lock: AppLock | undefined;
  try {
    // A dry run writes nothing, so it needs no lock.
    if (!flags.dryRun) {
      lock = await acquireAppLock(kube, {
        app,
        namespace: kube.namespace,
        operation: 'apply',
        waitMs: parsed.lockWaitMs,
        signal: interrupt,
        onWait: (h) => log.info(`waiting for ${h.identity} to finish with app ${app}...`),
      });
    }
    const progress = await deployProgress(objects.length);
    const follow = { timeoutMs: parsed.timeoutMs, signal: interrupt, output: flags.output, namespace: kube.namespace };
    // A rollout that did not finish, as the command reports it (and history records it).
    const rolloutFailure = (o: ReleaseOutcome): GdeployError | undefined =>
      o.rollout && o.rollout.outcome !== 'done' ? rolloutError(o.rollout, kube.namespace, o.putBack?.rollout) : undefined;
    const outcome = await release(kube, {
      objects,
      app,
      namespace: kube.namespace,
      enforceNamespace: kube.namespaceExplicit,
      prune: flags.prune,
      dryRun: flags.dryRun,
      ...waitFlags(flags),
      timeoutMs: parsed.timeoutMs,
      forceConflicts: flags.forceConflicts,
      concurrency: parsed.concurrency,
      halt: untilLost(lock, interrupt),
      rollbackOnFailure: flags.rollbackOnFailure,
      onEvent: (ev) => {
        if (ev.type !== 'deployed') return progress.onEvent(ev);
        progress.stop();
        const errors = ev.result.errors.map((e) => e.message);
        printChangeSet(ev.result.changeSet, { app, namespace: kube.namespace, dryRun: ev.result.dryRun, errors, format: flags.output });
        if (ev.result.interrupted) log.info(interruptedSummary(ev.result.changeSet, ev.result.interrupted));
      },
      follow: (workloads, phase) => {
        if (phase === 'put back' && flags.output === 'table') log.info('rolling back: putting back what this apply replaced');
        // The put back is waited for, not baked.
        return followRollouts(kube, workloads, phase === 'release' ? { ...follow, bakeMs: parsed.bakeMs } : follow);
      },
      record: (o) => record(kube, app, o, flags, rolloutFailure(o)?.message ?? o.reason),
    }).finally(() => progress.stop());
    for (const e of outcome.putBack?.errors ?? []) log.error(e.message);
    const failure = rolloutFailure(outcome);
    if (failure) throw failure;
    if (outcome.result === 'succeeded') return ExitCode.OK;
    // The change set said what failed in the deploy; a wait that could not go on says why here
    // (interrupted: interruptible() turns it into 130 or 143).
    if (outcome.deploy.errors.length > 0 || outcome.deploy.interrupted) return ExitCode.ERROR;
    throw new GdeployError(outcome.reason ?? 'the release did not finish');
  } finally {
    await lock?.release().catch((err) => log.warn(`cannot release the lock of app ${app}: ${errorMessage(err)}`));
  }
}

/** One history entry per apply that changed something or failed (an apply that found nothing to do leaves no trace). */
async function record(kube: Kube, app: string, outcome: ReleaseOutcome, flags: ApplyFlags, reason?: string): Promise<void> {
  const { hasChanges } = await import('../engine/changeset.js');
  const { changeSet } = outcome.deploy;
  if (outcome.result === 'succeeded' && !hasChanges(changeSet)) return;
  const { recordRevision, inventorySubjects } = await import('../engine/history.js');
  const applied = changeSet.changes.filter((c) => c.action !== 'pruned' && c.action !== 'failed' && c.action !== 'skipped');
  try {
    await recordRevision(kube, app, kube.namespace, {
      action: 'apply',
      result: outcome.result,
      source: flags.filename.join(','),
      inventory: inventorySubjects(applied.map((c) => c.ref)),
      ...(reason ? { reason: reason.split('\n')[0] } : {}),
    });
  } catch (err) {
    log.warn(`cannot record the revision of app ${app}: ${errorMessage(err)}`);
  }
}
