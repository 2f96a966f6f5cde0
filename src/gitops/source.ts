// A git source as sync and rollback see it: a mirrored repository plus the
// path inside it, and the manifests of one commit loaded by the same rules as
// `apply -f DIR -R` (kustomization included).
import { GitMirror, authFor, defaultCacheDir, normaliseRepoPath, parseRepoUrl, type CommitInfo, type RepoUrl } from '../git/index.js';
import { ManifestError, loadManifests } from '../engine/manifests.js';
import { REVISION_ANNOTATION } from '../engine/history.js';
import { sep } from 'node:path';
import type { KubeObject } from '../kube/types.js';

export interface SourceOptions {
  repo: string;
  /** Repository-relative; '' or './' for the root. */
  path: string;
  cacheDir?: string;
  signal?: AbortSignal;
  lockWaitMs?: number;
}

export interface GitSource {
  readonly url: RepoUrl;
  /** Normalised, './' for the root: what history records. */
  readonly path: string;
  readonly mirror: GitMirror;
}

export async function openSource(opts: SourceOptions): Promise<GitSource> {
  const url = parseRepoUrl(opts.repo);
  const path = normaliseRepoPath(opts.path);
  const mirror = await GitMirror.open({
    repo: url,
    cacheDir: opts.cacheDir ?? defaultCacheDir(),
    auth: authFor(url),
    signal: opts.signal,
    lockWaitMs: opts.lockWaitMs,
  });
  return { url, path: path === '' ? './' : path, mirror };
}

export interface LoadedCommit {
  sha: string;
  commit: CommitInfo;
  objects: KubeObject[];
}

/**
 * Reads `path` at `sha` and loads its manifests, each annotated with the
 * revision it comes from. Throws ManifestError for invalid YAML before
 * anything reaches the cluster.
 */
export async function loadCommit(source: GitSource, sha: string, revision: string): Promise<LoadedCommit> {
  const [commit, tree] = await Promise.all([source.mirror.commit(sha), source.mirror.checkout(sha, source.path)]);
  try {
    let objects: KubeObject[];
    try {
      objects = await loadManifests([tree.root], { recursive: true });
    } catch (err) {
      throw inCommit(err, tree.dir, sha);
    }
    for (const o of objects) {
      o.metadata.annotations = { ...o.metadata.annotations, [REVISION_ANNOTATION]: revision };
    }
    return { sha, commit, objects };
  } finally {
    await tree.dispose();
  }
}

/** Messages name files as `<sha>:path/in/repo`, not the temporary directory they were read from. */
function inCommit(err: unknown, dir: string, sha: string): unknown {
  if (!(err instanceof ManifestError)) return err;
  const where = (s: string) => s.split(dir + sep).join(`${sha.slice(0, 7)}:`).split(dir).join(`${sha.slice(0, 7)}:`);
  const out = new ManifestError(where(err.message), err.hint === undefined ? undefined : where(err.hint), err.exitCode);
  out.stack = err.stack;
  return out;
}
