// Deploys one commit: load its manifests, hand them to the engine (plan,
// staged server-side apply, prune), and wait for the rollouts it started.
// Returns what happened as data; whether and how it is recorded is the caller's.
import { deploy } from '../engine/deploy.js';
import { assertNotEmpty, cloneManifest } from '../engine/manifests.js';
import { ExitCode, errorMessage } from '../engine/errors.js';
import { hasChanges } from '../engine/changeset.js';
import { interruptedReason } from '../engine/halt.js';
import { inventorySubjects, type RevisionRecord, type RevisionResult } from '../engine/history.js';
import { revert } from '../engine/revert.js';
import type { ChangedWorkload, DeployResult } from '../engine/types.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { watchRollouts, type RolloutResult } from '../rollout/index.js';
import type { CommitInfo } from '../git/index.js';
import type { DriftedObject, EmitFn } from './events.js';
import { loadCommit, type GitSource } from './source.js';

export interface ReleaseSettings {
  kube: Kube;
  app: string;
  namespace: string;
  enforceNamespace?: boolean;
  prune: boolean;
  /** A commit whose path holds no manifests is deployed (with prune: the app is emptied) instead of refused. */
  allowEmpty?: boolean;
  dryRun: boolean;
  wait: boolean;
  timeoutMs: number;
  concurrency?: number;
  /**
   * SIGINT/SIGTERM: waits stop at once; a deploy in progress starts no further
   * write, lets those in flight finish and reports the rest skipped (DeployOptions.halt).
   */
  signal?: AbortSignal;
  emit: EmitFn;
}

export interface ReleaseTarget {
  sha: string;
  /** `main@sha1:<sha>`: the annotation on every object and the history entry. */
  revision: string;
  branch?: string;
  ref?: string;
}

export interface ReleaseOutcome {
  target: ReleaseTarget;
  result: RevisionResult;
  /** The exit code this outcome calls for. */
  exitCode: ExitCode;
  commit?: CommitInfo;
  deploy?: DeployResult;
  rollout?: RolloutResult;
  /** One line: why it failed. */
  reason?: string;
  /** Anything was created, configured or pruned. */
  changed: boolean;
  /** `Kind/namespace/name` of every object the commit deploys. */
  inventory: string[];
  /** A pass at the commit already deployed found objects changed by hand: put back, or only reported. */
  drift?: { objects: DriftedObject[]; corrected: boolean };
}

/** Objects already loaded for a commit, so the watch loop reads each commit once. */
export type ObjectCache = Map<string, { commit: CommitInfo; objects: KubeObject[] }>;

export async function release(
  s: ReleaseSettings,
  source: GitSource,
  target: ReleaseTarget,
  cache?: ObjectCache,
): Promise<ReleaseOutcome> {
  const base = { target, changed: false, inventory: [] as string[] };
  const key = `${target.sha}\0${target.revision}`;
  const cached = cache?.get(key);
  let loaded: { commit: CommitInfo; objects: KubeObject[] };
  if (cached !== undefined) {
    // The engine may fill in defaults: every deploy gets its own copy.
    loaded = { commit: cached.commit, objects: cached.objects.map(cloneManifest) };
  } else {
    try {
      loaded = await loadCommit(source, target.sha, target.revision);
    } catch (err) {
      return { ...base, result: 'failed', exitCode: ExitCode.ERROR, reason: errorMessage(err) };
    }
    cache?.clear();
    cache?.set(key, { commit: loaded.commit, objects: loaded.objects.map(cloneManifest) });
  }
  const { commit } = loaded;
  try {
    const where = `path ${JSON.stringify(source.path)} of ${source.url.display} at ${target.revision}`;
    assertNotEmpty(loaded.objects, { verb: 'deploy', where, app: s.app, allowEmpty: s.allowEmpty });
  } catch (err) {
    return { ...base, commit, result: 'failed', exitCode: ExitCode.USAGE, reason: errorMessage(err) };
  }

  let result: DeployResult;
  try {
    result = await deploy(s.kube, {
      objects: loaded.objects,
      app: s.app,
      namespace: s.namespace,
      enforceNamespace: s.enforceNamespace,
      prune: s.prune,
      dryRun: s.dryRun,
      wait: s.wait,
      // Git is the source of truth: fields someone changed by hand are taken back, as Flux does.
      forceConflicts: true,
      concurrency: s.concurrency,
      halt: s.signal,
      revision: { sha: target.sha, ref: target.branch ?? target.ref, source: source.url.display, path: source.path, message: commit.subject },
    });
  } catch (err) {
    return { ...base, commit, result: 'failed', exitCode: ExitCode.ERROR, reason: errorMessage(err) };
  }
  const inventory = inventorySubjects(
    result.changeSet.changes.filter((c) => c.action !== 'pruned' && c.action !== 'failed' && c.action !== 'skipped').map((c) => c.ref),
  );
  const done = { ...base, commit, deploy: result, inventory, changed: !result.dryRun && hasChanges(result.changeSet) };
  if (result.interrupted) {
    // The command turns an interruption into 130 or 143; ERROR stands in until then.
    const reason = interruptedReason(result.changeSet, result.interrupted, result.errors.map((e) => e.message));
    return { ...done, result: 'interrupted', exitCode: ExitCode.ERROR, reason };
  }
  if (result.errors.length > 0) {
    return { ...done, result: 'failed', exitCode: ExitCode.ERROR, reason: result.errors[0]!.message };
  }
  if (result.dryRun || !s.wait || result.changedWorkloads.length === 0) {
    return { ...done, result: 'succeeded', exitCode: ExitCode.OK };
  }

  let rollout: RolloutResult;
  try {
    rollout = await follow(s, result.changedWorkloads);
  } catch (err) {
    // The command turns an interruption into 130 or 143; ERROR stands in until then.
    if (s.signal?.aborted) return { ...done, result: 'interrupted', exitCode: ExitCode.ERROR, reason: 'interrupted while waiting for rollouts' };
    return { ...done, result: 'failed', exitCode: ExitCode.ERROR, reason: errorMessage(err) };
  }
  if (rollout.outcome === 'done') return { ...done, rollout, result: 'succeeded', exitCode: ExitCode.OK };
  const failed = rollout.workloads.find((w) => w.subject === rollout.failed) ?? rollout.workloads.find((w) => w.state !== 'done');
  const why = failed ? `${failed.subject}: ${failed.reason ?? failed.message}` : 'rollout did not finish';
  if (rollout.outcome === 'timeout') {
    return { ...done, rollout, result: 'failed', exitCode: ExitCode.ROLLOUT_TIMEOUT, reason: `timed out after ${Math.round(s.timeoutMs / 1000)}s: ${why}` };
  }
  return { ...done, rollout, result: 'failed', exitCode: ExitCode.ROLLOUT_FAILED, reason: why };
}

/**
 * --rollback-on-failure: puts back `previous`, the revision the `failed`
 * release replaced. Another commit of this same source and path is deployed
 * again (prune included, so the inventory follows it). Anything else (files
 * applied by hand, another source, or this very commit) is put back object by
 * object: each one the release changed returns to the state it had before.
 */
export async function putBack(s: ReleaseSettings, source: GitSource, previous: RevisionRecord, failed: ReleaseOutcome): Promise<RevisionResult> {
  const sameSource = previous.source === source.url.display && previous.path === source.path;
  if (previous.sha !== undefined && previous.sha !== failed.target.sha && sameSource) {
    const target = { sha: previous.sha, revision: previous.revision ?? `sha1:${previous.sha}`, branch: previous.branch, ref: previous.ref };
    return (await release(s, source, target)).result;
  }
  const back = await revert(s.kube, failed.deploy?.changeSet.changes ?? [], { signal: s.signal });
  if (back.errors.length > 0) return 'failed';
  if (!s.wait || back.workloads.length === 0) return 'succeeded';
  try {
    return (await follow(s, back.workloads)).outcome === 'done' ? 'succeeded' : 'failed';
  } catch {
    return s.signal?.aborted ? 'interrupted' : 'failed';
  }
}

function follow(s: ReleaseSettings, workloads: ChangedWorkload[]): Promise<RolloutResult> {
  return watchRollouts(s.kube, workloads, {
    timeoutMs: s.timeoutMs,
    signal: s.signal,
    onProgress: (status) => s.emit({ type: 'rollout', status }),
  });
}
