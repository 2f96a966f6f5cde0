// Changes written back to git (`set-image --commit`, `edit --commit`): the
// manifests at the head of the app's branch are edited (only what the change
// touches), committed and pushed without force; then the ordinary sync path
// deploys that commit. Git and the cluster never disagree, and a refused push
// leaves the cluster as it was.
import { GdeployError, UsageError } from '../engine/errors.js';
import { setImagesInText, setKustomizeImages } from '../engine/manifest-images.js';
import type { ImageChange } from '../engine/images.js';
import type { OwningApp } from '../engine/ownership.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { log } from '../ui/log.js';
import type { Format } from './render.js';
import { openSource, type GitSource } from './source.js';

/** The files kustomize reads a kustomization from (those git ls-tree shows as YAML). */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml'];

export interface WriteBackTarget {
  repo?: string;
  branch?: string;
  path?: string;
  cacheDir?: string;
  signal?: AbortSignal;
}

export interface ImageCommit {
  source: GitSource;
  branch: string;
  sha: string;
  files: string[];
  /** The app that follows this repository, if the objects belong to one. */
  app?: string;
}

/** Where a change is committed: the repository (and path in it), the branch, and the app that follows them. */
export interface CommitTarget {
  source: GitSource;
  branch: string;
  /** The app that follows this repository, if the objects belong to one. */
  app?: string;
}

/** A commit made and pushed by `commitEdit`: no files when git had the change already (sha is then the head). */
export interface Pushed {
  sha: string;
  parent: string;
  files: string[];
}

/**
 * Where the change goes: --repo/--branch/--path, else the repository the
 * objects' app follows (its last revision from git).
 */
export async function openTarget(owners: OwningApp[], t: WriteBackTarget, command: string): Promise<CommitTarget> {
  const following = owners.filter((o) => o.followsGit);
  if (t.repo === undefined && following.length !== 1) {
    throw new UsageError(
      following.length === 0
        ? `${command} needs to know which repository holds the manifests: the objects belong to no app that follows git`
        : `${command}: the objects belong to ${following.length} apps that follow git (${following.map((o) => o.app).join(', ')}); change the objects of one app at a time`,
      'pass --repo URL (and --branch, --path), or sync the app from its repository first',
    );
  }
  const g = following[0]?.followsGit;
  const source = await openSource({ repo: t.repo ?? g!.source!, path: t.path ?? g?.path ?? './', cacheDir: t.cacheDir, signal: t.signal });
  const branch = t.branch ?? (t.repo === undefined ? g?.branch : undefined) ?? (await source.mirror.defaultBranch());
  return { source, branch, ...(following[0] ? { app: following[0].app } : {}) };
}

/**
 * Commits the image changes at the head of `branch`. Where the source's path
 * is a kustomization, in its `images:` list (as `kustomize edit set image`);
 * otherwise in each object's manifest, found by kind, name and namespace in
 * the YAML files under the path. An object no file defines is an error naming
 * the files searched; nothing is committed then.
 */
export async function commitImages(target: CommitTarget, changes: Array<{ object: KubeObject; images: ImageChange[] }>): Promise<Pushed> {
  const { source, branch } = target;
  const names = changes.map((c) => `${c.object.kind.toLowerCase()}/${c.object.metadata.name}`).join(', ');
  const pairs = [...new Set(changes.flatMap((c) => c.images.map((i) => `${i.container}=${i.to}`)))].join(' ');
  const message = `Set image of ${names}: ${pairs}`;
  const prefix = source.path === './' ? '' : `${source.path.replace(/\/$/, '')}/`;
  return source.mirror.commitEdit(branch, source.path, message, (files) => {
    const kustomization = KUSTOMIZATION_FILES.map((f) => prefix + f).find((f) => files.has(f));
    if (kustomization) {
      const pairsOfImages = changes.flatMap((c) => c.images.map((i) => ({ from: i.from, to: i.to })));
      const text = setKustomizeImages(files.get(kustomization)!, pairsOfImages);
      return text === undefined ? new Map() : new Map([[kustomization, text]]);
    }
    const edited = new Map<string, string>();
    for (const { object, images: list } of changes) {
      const images = new Map(list.map((i) => [i.container, i.to]));
      const identity = { kind: object.kind, name: object.metadata.name!, namespace: object.metadata.namespace };
      let found = false;
      for (const [file, text] of files) {
        const r = setImagesInText(edited.get(file) ?? text, identity, images);
        if (!r) continue;
        found = true;
        if (r.changed.length > 0) edited.set(file, r.text);
      }
      if (!found) {
        const searched = [...files.keys()];
        throw new GdeployError(
          `${object.kind.toLowerCase()}/${object.metadata.name}: no manifest under path "${source.path}" of ${source.url.display} at ${branch} defines it; nothing was committed`,
          { hint: searched.length > 0 ? `searched: ${searched.join(', ')}` : 'that path holds no YAML files' },
        );
      }
    }
    return edited;
  });
}

/** What was pushed, said on stderr: `committed <sha> to <branch> of <repository> (<files>)`. */
export function committedLine(target: CommitTarget, pushed: Pushed): string {
  return `committed ${pushed.sha.slice(0, 12)} to ${target.branch} of ${target.source.url.display} (${pushed.files.join(', ')})`;
}

let loading: ReturnType<typeof loadSync> | undefined;

async function loadSync() {
  const [app, command, sync, render, pool] = await Promise.all([
    import('./app.js'), import('./command.js'), import('./sync.js'), import('./render.js'), import('../engine/pool.js'),
  ]);
  return { ...app, ...command, ...sync, ...render, ...pool };
}

function syncModules(): ReturnType<typeof loadSync> {
  return (loading ??= loadSync());
}

/** Starts loading what syncPushed runs, so that it loads while git works; a failure shows when syncPushed runs. */
export function preloadSync(): void {
  syncModules().catch(() => undefined);
}

export interface SyncPushedSettings {
  wait: boolean;
  waitFor: 'all' | 'workloads';
  /** --timeout as given, and in milliseconds. */
  timeout: string;
  timeoutMs: number;
  /** --bake in milliseconds (0 or absent: no bake). */
  bakeMs?: number;
  /** --lock-timeout as given, and in milliseconds. */
  lockTimeout: string;
  lockWaitMs: number;
  rollbackOnFailure: boolean;
  output: Format;
}

/**
 * After the push: sync deploys the branch (the pushed commit) with sync's
 * defaults and the command's wait flags, recording the revision in the app's
 * history. When the rollout fails and --rollback-on-failure put the previous
 * revision back live, git goes back too: a revert commit on top, never a
 * force-push. Returns sync's exit code.
 */
export async function syncPushed(kube: Kube, target: CommitTarget, pushed: Pushed, s: SyncPushedSettings): Promise<number> {
  const { checkedApp, releaseSettings, interruptible, syncOnce, newSyncState, gitopsRenderer, DEFAULT_CONCURRENCY } = await syncModules();
  const app = checkedApp(target.app ?? target.source.url.name);
  const render = gitopsRenderer({ app, namespace: kube.namespace, format: s.output, watching: false });
  // sync's defaults, with this command's wait flags.
  const release = { prune: true, allowEmpty: false, dryRun: false, wait: s.wait, waitFor: s.waitFor, timeout: s.timeout, rollbackOnFailure: s.rollbackOnFailure, concurrency: String(DEFAULT_CONCURRENCY), lockTimeout: s.lockTimeout };
  const parsed = { timeoutMs: s.timeoutMs, bakeMs: s.bakeMs ?? 0, lockWaitMs: s.lockWaitMs, concurrency: DEFAULT_CONCURRENCY };
  try {
    return await interruptible(async (signal) => {
      const settings = { ...releaseSettings(kube, app, release, parsed, signal, (ev) => render.on(ev)), branch: target.branch, unpin: false };
      const synced = await syncOnce(settings, target.source, newSyncState());
      // The cluster went back to the previous revision: git goes back too, with a commit (never a force-push).
      if (synced.outcome?.result === 'rolled back' && pushed.files.length > 0) {
        const subject = await target.source.mirror.commit(pushed.sha);
        const revert = await target.source.mirror.commitTreeOf(pushed.parent, target.branch, `Revert "${subject.subject}"\n\nThe rollout of ${pushed.sha} failed: ${synced.outcome.reason ?? 'unknown reason'}`);
        log.info(`reverted in git: ${revert.slice(0, 12)} on ${target.branch} puts back the tree of ${pushed.parent.slice(0, 12)}`);
      }
      return synced.exitCode;
    });
  } finally {
    render.stop();
  }
}
