// `gdeploy rollback`: deploy an earlier commit of the app's branch through the
// engine (prune included), wait, record it, and pin the app there so that a
// watching sync does not put the bad head straight back. With --commit the
// rollback becomes a commit on the branch instead (a fast-forward, never a
// force-push), and no pin is needed.
import { GdeployError, UsageError } from '../engine/errors.js';
import { lastSucceeded, readHistory, type AppHistory, type RevisionRecord } from '../engine/history.js';
import type { Kube } from '../kube/types.js';
import { deployAndRecord, takeLock } from './sync.js';
import { untilLost } from '../engine/lock.js';
import type { ReleaseOutcome, ReleaseSettings } from './release.js';
import { openSource, type GitSource } from './source.js';

export interface RollbackSettings extends ReleaseSettings {
  /** A commit id (full or unique prefix) or a history revision number; absent: the previous succeeded revision. */
  to?: string;
  repo?: string;
  path?: string;
  branch?: string;
  /** Also commit the old tree on the branch and push it. */
  commit: boolean;
  cacheDir?: string;
  lockWaitMs: number;
  rollbackOnFailure: boolean;
}

export interface RollbackResult {
  outcome: ReleaseOutcome;
  record?: RevisionRecord;
  /** The commit deployed (with --commit: the new commit on the branch). */
  sha: string;
  /** The commit whose manifests were deployed. */
  target: string;
  branch: string;
  /** The branch head that stays in git, now passed over (without --commit). */
  head: string;
  /** The commit pushed by --commit. */
  pushed?: string;
  source: GitSource;
}

/** Where the app came from: flags first, else the last recorded revision. */
export async function rollbackSource(kube: Kube, s: RollbackSettings): Promise<{ source: GitSource; history: AppHistory; last?: RevisionRecord }> {
  const history = await readHistory(kube, s.app, s.namespace, s.signal);
  const last = [...history.revisions].reverse().find((r) => r.source !== undefined && r.sha !== undefined);
  const repo = s.repo ?? last?.source;
  if (repo === undefined) {
    throw new UsageError(
      `app ${s.namespace}/${s.app} has no revision deployed from git`,
      'pass --repo URL (and --app if the app is not named after the repository)',
    );
  }
  const source = await openSource({ repo, path: s.path ?? last?.path ?? './', cacheDir: s.cacheDir, signal: s.signal });
  return { source, history, last };
}

export async function rollback(s: RollbackSettings): Promise<RollbackResult> {
  const { source, history, last } = await rollbackSource(s.kube, s);
  // Everything, not just the branch: the target may be on it only through history.
  await source.mirror.fetch();
  const branchName = s.branch ?? last?.branch;
  const head = await source.mirror.resolve(branchName === undefined ? {} : { branch: branchName });
  const branch = head.branch!;
  const { sha, record: targetRecord } = await chooseTarget(s, source, history);
  if (!(await source.mirror.isAncestor(sha, head.sha))) {
    throw new GdeployError(`commit ${sha.slice(0, 12)} is not on branch ${branch} of ${source.url.display}`, {
      hint: recentHint(history),
    });
  }

  const lock = await takeLock(s, 'rollback');
  const held = { ...s, signal: untilLost(lock, s.signal) };
  try {
    // Re-read under the lock: the history may have moved while we waited.
    const current = await readHistory(s.kube, s.app, s.namespace, s.signal);
    const extra: Partial<RevisionRecord> = targetRecord ? { rollbackTo: targetRecord.number } : {};
    if (s.commit && !s.dryRun) {
      const pushed = await source.mirror.commitTreeOf(sha, branch, `Roll back to ${sha}`);
      const revision = `${branch}@sha1:${pushed}`;
      const { outcome, record } = await deployAndRecord(held, source, { sha: pushed, revision, branch }, current, {
        action: 'rollback',
        extra,
        pin: { clear: true },
      });
      return { outcome, record, sha: pushed, target: sha, branch, head: head.sha, pushed, source };
    }
    const revision = `${branch}@sha1:${sha}`;
    const pin = { set: { sha, revision, branch, fromHead: head.sha } };
    const { outcome, record } = await deployAndRecord(held, source, { sha, revision, branch }, current, { action: 'rollback', extra, pin });
    return { outcome, record, sha, target: sha, branch, head: head.sha, source };
  } finally {
    await lock.release();
  }
}

async function chooseTarget(s: RollbackSettings, source: GitSource, history: AppHistory): Promise<{ sha: string; record?: RevisionRecord }> {
  const to = s.to;
  if (to === undefined) {
    const latest = history.revisions[history.revisions.length - 1];
    const previous = lastSucceeded(history, { exceptSha: latest?.sha, source: source.url.display });
    if (previous === undefined) {
      throw new GdeployError(`app ${s.namespace}/${s.app} has no earlier succeeded revision to roll back to`, { hint: recentHint(history) });
    }
    return { sha: previous.sha!, record: previous };
  }
  if (to.startsWith('-')) throw new UsageError(`refusing "${to}": it starts with "-"`);
  // Small numbers are history revisions (as `helm rollback NAME 3`); anything else is a commit id.
  if (/^\d{1,3}$/.test(to)) {
    const rec = history.revisions.find((r) => r.number === Number(to));
    if (rec?.sha === undefined) {
      throw new GdeployError(`app ${s.namespace}/${s.app} has no revision ${to} from git`, { hint: recentHint(history) });
    }
    return { sha: rec.sha, record: rec };
  }
  let sha: string;
  try {
    sha = await source.mirror.expandCommit(to);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new GdeployError(message, { hint: recentHint(history), exitCode: err instanceof GdeployError ? err.exitCode : undefined });
  }
  const record = [...history.revisions].reverse().find((r) => r.sha === sha && r.result === 'succeeded');
  return record ? { sha, record } : { sha };
}

/** The last few revisions, to choose from. */
export function recentHint(history: AppHistory): string {
  const recent = history.revisions.slice(-5).reverse();
  if (recent.length === 0) return 'no revisions are recorded for this app';
  return ['recent revisions:', ...recent.map((r) => `  ${r.number}  ${(r.sha ?? '').slice(0, 12)}  ${r.result}  ${r.message ?? ''}`.trimEnd())].join('\n');
}
