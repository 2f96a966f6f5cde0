import { Command } from 'commander';
import { addApplyOptions, allowEmptyOption, addFileOptions, addWaitOptions, globalsOf, outputOption, runAction, type OutputFormat } from './shared.js';
import { ExitCode, GdeployError, assertValid, errorMessage } from '../engine/errors.js';
import type { DeployResult } from '../engine/types.js';
import type { RevisionResult } from '../engine/history.js';
import type { AppLock } from '../engine/lock.js';
import type { Kube, KubeObject } from '../kube/types.js';
import type { RolloutResult } from '../rollout/index.js';
import { log } from '../ui/log.js';

interface ApplyFlags {
  filename: string[];
  recursive: boolean;
  app?: string;
  dryRun: boolean;
  forceConflicts: boolean;
  concurrency: string;
  wait: boolean;
  timeout: string;
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
    .option('--lock-timeout <duration>', 'how long to wait for another operation on the app to finish', '1m')
    .addOption(outputOption())
    .addHelpText('after', EXAMPLES)
    .action(runAction(async (flags: ApplyFlags, self: Command) => runApply(flags, self)));
}

async function runApply(flags: ApplyFlags, self: Command): Promise<number> {
  const g = globalsOf(self);
  const { parseReleaseFlags, interruptible } = await import('../gitops/command.js');
  const problems: string[] = [];
  const { concurrency, timeoutMs, lockWaitMs } = parseReleaseFlags(flags, problems);
  assertValid(problems);

  // The engine and the Kubernetes client load only now, so that --help stays fast.
  const { openSession } = await import('../engine/session.js');
  const { kube, objects, app } = await openSession({ ...g, log: g.verbose ? log.debug : undefined }, { ...flags, verb: 'apply' });
  try {
    return await interruptible((interrupt) => applyLocked(kube, objects, app, flags, { timeoutMs, lockWaitMs, concurrency }, interrupt));
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
  parsed: { timeoutMs: number; lockWaitMs: number; concurrency: number },
  interrupt: AbortSignal,
): Promise<number> {
  const { deploy } = await import('../engine/deploy.js');
  const { printChangeSet, deployProgress } = await import('../ui/changeset.js');
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
    const result = await deploy(kube, {
      objects,
      app,
      namespace: kube.namespace,
      enforceNamespace: kube.namespaceExplicit,
      prune: flags.prune,
      dryRun: flags.dryRun,
      wait: flags.wait,
      forceConflicts: flags.forceConflicts,
      concurrency: parsed.concurrency,
      halt: untilLost(lock, interrupt),
      onEvent: (ev) => progress.onEvent(ev),
    }).finally(() => progress.stop());
    const errors = result.errors.map((e) => e.message);
    printChangeSet(result.changeSet, { app, namespace: kube.namespace, dryRun: result.dryRun, errors, format: flags.output });
    if (result.interrupted) {
      const { interruptedSummary, interruptedReason } = await import('../engine/halt.js');
      log.info(interruptedSummary(result.changeSet, result.interrupted));
      if (!flags.dryRun) await record(kube, app, result, 'interrupted', flags, interruptedReason(result.changeSet, result.interrupted, errors));
      // interruptible() turns this into 130 or 143.
      return ExitCode.ERROR;
    }
    if (result.dryRun) return errors.length > 0 ? ExitCode.ERROR : ExitCode.OK;
    if (errors.length > 0) {
      await record(kube, app, result, 'failed', flags, errors[0]);
      return ExitCode.ERROR;
    }
    const failure = flags.wait ? await waitForRollouts(kube, result, parsed.timeoutMs, flags, interrupt) : undefined;
    const outcome = interrupt.aborted ? 'interrupted' : failure?.rolledBack ? 'rolled back' : failure ? 'failed' : 'succeeded';
    await record(kube, app, result, outcome, flags, failure?.error.message);
    if (failure) throw failure.error;
    return ExitCode.OK;
  } finally {
    await lock?.release().catch((err) => log.warn(`cannot release the lock of app ${app}: ${errorMessage(err)}`));
  }
}

interface RolloutFailure {
  error: GdeployError;
  rolledBack: boolean;
}

/** Follows what the deploy changed; on failure, with --rollback-on-failure, puts back what it replaced. */
async function waitForRollouts(kube: Kube, result: DeployResult, timeoutMs: number, flags: ApplyFlags, signal: AbortSignal): Promise<RolloutFailure | undefined> {
  if (result.changedWorkloads.length === 0) return undefined;
  const { followRollouts, rolloutError } = await import('../ui/progress.js');
  const follow = { timeoutMs, signal, output: flags.output, namespace: kube.namespace };
  let rollout: RolloutResult;
  try {
    rollout = await followRollouts(kube, result.changedWorkloads, follow);
  } catch (err) {
    if (signal.aborted) return { error: new GdeployError('interrupted while waiting for rollouts'), rolledBack: false };
    throw err;
  }
  if (rollout.outcome === 'done') return undefined;
  if (!flags.rollbackOnFailure) return { error: rolloutError(rollout, kube.namespace), rolledBack: false };
  if (flags.output === 'table') log.info('rolling back: putting back what this apply replaced');
  const { revert } = await import('../engine/revert.js');
  const back = await revert(kube, result.changeSet.changes);
  for (const e of back.errors) log.error(e.message);
  const restored = await followRollouts(kube, back.workloads, follow);
  return { error: rolloutError(rollout, kube.namespace, restored), rolledBack: true };
}

/** One history entry per apply that changed something or failed (an apply that found nothing to do leaves no trace). */
async function record(
  kube: Kube,
  app: string,
  result: DeployResult,
  outcome: RevisionResult,
  flags: ApplyFlags,
  reason?: string,
): Promise<void> {
  const { hasChanges } = await import('../engine/changeset.js');
  if (outcome === 'succeeded' && !hasChanges(result.changeSet)) return;
  const { recordRevision, inventorySubjects } = await import('../engine/history.js');
  const applied = result.changeSet.changes.filter((c) => c.action !== 'pruned' && c.action !== 'failed' && c.action !== 'skipped');
  try {
    await recordRevision(kube, app, kube.namespace, {
      action: 'apply',
      result: outcome,
      source: flags.filename.join(','),
      inventory: inventorySubjects(applied.map((c) => c.ref)),
      ...(reason ? { reason: reason.split('\n')[0] } : {}),
    });
  } catch (err) {
    log.warn(`cannot record the revision of app ${app}: ${errorMessage(err)}`);
  }
}
