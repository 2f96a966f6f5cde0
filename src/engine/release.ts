// One release, the same for every command that changes the cluster (apply,
// set-image, edit, sync, rollback): plan and apply (deploy), wait for the
// rollouts of what changed, put back what it replaced when a rollout fails
// (--rollback-on-failure), then record how it ended. The deploy's change set
// drives the wait and the put back, as fluxcd/pkg ssa's ChangeSet drives
// WaitForSet. How progress is shown and how the outcome is recorded are the
// caller's; the order of the steps is not.
import { deploy } from './deploy.js';
import { ExitCode, errorMessage } from './errors.js';
import { interruptedReason } from './halt.js';
import { revert } from './revert.js';
import type { RevisionResult } from './history.js';
import type { ChangedWorkload, DeployOptions, DeployResult, EngineError } from './types.js';
import type { Kube } from '../kube/types.js';
import type { RolloutResult } from '../rollout/index.js';

export interface ReleaseOptions extends DeployOptions {
  /** Wait for the rollouts of what changed (and, with `wait`, CRDs until Established). */
  wait?: boolean;
  /** The wait's limit, for the reason of a timeout. */
  timeoutMs: number;
  /**
   * Waits for workloads to roll out: the rollout watcher with the caller's
   * rendering and signal. `phase` says whether it is the release itself or
   * the put back after it failed.
   */
  follow: (workloads: ChangedWorkload[], phase: 'release' | 'put back') => Promise<RolloutResult>;
  /** A rollout that fails or times out puts back what the release replaced. */
  rollbackOnFailure?: boolean;
  /**
   * Puts back a failed release another way than object by object (the
   * default: each object it changed as it was, then waited for); undefined
   * falls back to the default. Sync deploys the previous commit whole.
   */
  putBack?: (failed: ReleaseOutcome) => Promise<PutBackOutcome | undefined>;
  /** Records the outcome (history). Called last, once, for every release that was not a dry run. */
  record?: (outcome: ReleaseOutcome) => Promise<void>;
}

export interface PutBackOutcome {
  result: RevisionResult;
  rollout?: RolloutResult;
  errors: EngineError[];
}

export interface ReleaseOutcome {
  deploy: DeployResult;
  result: RevisionResult;
  /** The exit code this outcome calls for (an interruption: ERROR until the command turns it into 130 or 143). */
  exitCode: ExitCode;
  /** One line: why it did not succeed. */
  reason?: string;
  /** The wait for the release's rollouts, when there was one. */
  rollout?: RolloutResult;
  /** Set when the release was put back after its rollout failed. */
  putBack?: PutBackOutcome;
}

export async function release(kube: Kube, opts: ReleaseOptions): Promise<ReleaseOutcome> {
  const outcome = await deployAndWait(kube, opts);
  if (outcome.rollout && outcome.result === 'failed' && opts.rollbackOnFailure && !outcome.deploy.dryRun) {
    outcome.putBack = (await opts.putBack?.(outcome)) ?? (await revertAndWait(kube, opts, outcome));
    outcome.result = 'rolled back';
  }
  if (!outcome.deploy.dryRun) await opts.record?.(outcome);
  return outcome;
}

async function deployAndWait(kube: Kube, opts: ReleaseOptions): Promise<ReleaseOutcome> {
  const result = await deploy(kube, opts);
  opts.onEvent?.({ type: 'deployed', result });
  const done = { deploy: result };
  if (result.interrupted) {
    const reason = interruptedReason(result.changeSet, result.interrupted, result.errors.map((e) => e.message));
    return { ...done, result: 'interrupted', exitCode: ExitCode.ERROR, reason };
  }
  if (result.errors.length > 0) return { ...done, result: 'failed', exitCode: ExitCode.ERROR, reason: result.errors[0]!.message };
  if (result.dryRun || !opts.wait || result.changedWorkloads.length === 0) return { ...done, result: 'succeeded', exitCode: ExitCode.OK };

  let rollout: RolloutResult;
  try {
    rollout = await opts.follow(result.changedWorkloads, 'release');
  } catch (err) {
    if (opts.halt?.aborted) return { ...done, result: 'interrupted', exitCode: ExitCode.ERROR, reason: 'interrupted while waiting for rollouts' };
    return { ...done, result: 'failed', exitCode: ExitCode.ERROR, reason: errorMessage(err) };
  }
  if (rollout.outcome === 'done') return { ...done, rollout, result: 'succeeded', exitCode: ExitCode.OK };
  const failed = rollout.workloads.find((w) => w.subject === rollout.failed) ?? rollout.workloads.find((w) => w.state !== 'done');
  const why = failed ? `${failed.subject}: ${failed.reason ?? failed.message}` : 'rollout did not finish';
  if (rollout.outcome === 'timeout') {
    return { ...done, rollout, result: 'failed', exitCode: ExitCode.ROLLOUT_TIMEOUT, reason: `timed out after ${Math.round(opts.timeoutMs / 1000)}s: ${why}` };
  }
  return { ...done, rollout, result: 'failed', exitCode: ExitCode.ROLLOUT_FAILED, reason: why };
}

/** Every object the failed release changed, back as it was (with the release's own kind of write), then waited for. */
async function revertAndWait(kube: Kube, opts: ReleaseOptions, failed: ReleaseOutcome): Promise<PutBackOutcome> {
  const back = await revert(kube, failed.deploy.changeSet.changes, { kind: opts.kind, write: opts.write, fieldManager: opts.fieldManager, signal: opts.signal });
  if (back.errors.length > 0) return { result: 'failed', errors: back.errors };
  if (back.workloads.length === 0) return { result: 'succeeded', errors: [] };
  try {
    const rollout = await opts.follow(back.workloads, 'put back');
    return { result: rollout.outcome === 'done' ? 'succeeded' : 'failed', rollout, errors: [] };
  } catch (err) {
    return { result: opts.halt?.aborted ? 'interrupted' : 'failed', errors: [{ message: `putting back: ${errorMessage(err)}`, fatal: true, cause: err }] };
  }
}
