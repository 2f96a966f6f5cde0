// Deploys one commit: load its manifests and release them through the engine
// (plan, staged server-side apply, prune, wait, and with --rollback-on-failure
// put back the revision it replaced). Returns what happened as data; whether
// and how it is recorded is the caller's.
import { assertNotEmpty, cloneManifest } from '../engine/manifests.js';
import { ExitCode, errorMessage } from '../engine/errors.js';
import { hasChanges } from '../engine/changeset.js';
import { inventorySubjects, type RevisionRecord } from '../engine/history.js';
import { release as engineRelease, type PutBackOutcome, type ReleaseOutcome as EngineOutcome } from '../engine/release.js';
import type { ChangedWorkload, WaitFor } from '../engine/types.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { logReaderOf, watchRollouts, type RolloutResult } from '../rollout/index.js';
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
  /** What the wait covers; 'all' when absent. */
  waitFor?: WaitFor;
  timeoutMs: number;
  /** After the rollout of a release (not of a put back), keep watching this long (--bake); 0 or absent: no bake. */
  bakeMs?: number;
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

export interface ReleaseOutcome extends Omit<EngineOutcome, 'deploy'>, Partial<Pick<EngineOutcome, 'deploy'>> {
  target: ReleaseTarget;
  commit?: CommitInfo;
  /** Anything was created, configured or pruned. */
  changed: boolean;
  /** `Kind/namespace/name` of every object the commit deploys. */
  inventory: string[];
  /** A pass at the commit already deployed found objects changed by hand: put back, or only reported. */
  drift?: { objects: DriftedObject[]; corrected: boolean };
}

/** --rollback-on-failure: the revision a failed release puts back, and who is told when it starts. */
export interface Rollback {
  previous: RevisionRecord;
  onStart?: (previous: RevisionRecord) => void;
}

/** Objects already loaded for a commit, so the watch loop reads each commit once. */
export type ObjectCache = Map<string, { commit: CommitInfo; objects: KubeObject[] }>;

export async function release(
  s: ReleaseSettings,
  source: GitSource,
  target: ReleaseTarget,
  cache?: ObjectCache,
  rollback?: Rollback,
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

  const follow = (workloads: ChangedWorkload[], phase: 'release' | 'put back'): Promise<RolloutResult> =>
    watchRollouts(s.kube, workloads, {
      timeoutMs: s.timeoutMs,
      bakeMs: phase === 'release' ? s.bakeMs : 0,
      signal: s.signal,
      readLogs: logReaderOf(s.kube),
      onProgress: (status) => s.emit({ type: 'rollout', status }),
    });
  let outcome: EngineOutcome;
  try {
    outcome = await engineRelease(s.kube, {
      objects: loaded.objects,
      app: s.app,
      namespace: s.namespace,
      enforceNamespace: s.enforceNamespace,
      prune: s.prune,
      dryRun: s.dryRun,
      wait: s.wait,
      waitFor: s.waitFor,
      timeoutMs: s.timeoutMs,
      follow,
      // Git is the source of truth: fields someone changed by hand are taken back, as Flux does.
      forceConflicts: true,
      concurrency: s.concurrency,
      halt: s.signal,
      revision: { sha: target.sha, ref: target.branch ?? target.ref, source: source.url.display, path: source.path, message: commit.subject },
      rollbackOnFailure: rollback !== undefined,
      putBack: rollback && (() => putBack(s, source, rollback, target)),
    });
  } catch (err) {
    return { ...base, commit, result: 'failed', exitCode: ExitCode.ERROR, reason: errorMessage(err) };
  }
  const result = outcome.deploy;
  const inventory = inventorySubjects(
    result.changeSet.changes.filter((c) => c.action !== 'pruned' && c.action !== 'failed' && c.action !== 'skipped').map((c) => c.ref),
  );
  const reason = outcome.putBack && rollback ? `${outcome.reason}; put back revision ${rollback.previous.number} (${outcome.putBack.result})` : outcome.reason;
  return { ...base, ...outcome, reason, commit, inventory, changed: !result.dryRun && hasChanges(result.changeSet) };
}

/**
 * --rollback-on-failure: puts back `previous`, the revision the failed
 * release replaced. Another commit of this same source and path is deployed
 * again (prune included, so the inventory follows it). Anything else (files
 * applied by hand, another source, or this very commit) is put back object by
 * object: each one the release changed returns to the state it had before.
 */
async function putBack(s: ReleaseSettings, source: GitSource, rollback: Rollback, failed: ReleaseTarget): Promise<PutBackOutcome | undefined> {
  const { previous } = rollback;
  rollback.onStart?.(previous);
  const sameSource = previous.source === source.url.display && previous.path === source.path;
  if (previous.sha === undefined || previous.sha === failed.sha || !sameSource) return undefined;
  const target = { sha: previous.sha, revision: previous.revision ?? `sha1:${previous.sha}`, branch: previous.branch, ref: previous.ref };
  // The put back is waited for, not baked again.
  const again = await release({ ...s, bakeMs: 0 }, source, target);
  return { result: again.result, rollout: again.rollout, errors: again.deploy?.errors ?? [] };
}
