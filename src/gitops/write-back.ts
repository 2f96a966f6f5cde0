// `set-image --commit`: the change goes to git first. The manifests at the
// head of the app's branch are edited (only the image values), committed and
// pushed without force; then the ordinary sync path deploys that commit. Git
// and the cluster never disagree, and a refused push leaves the cluster as it was.
import { GdeployError, UsageError } from '../engine/errors.js';
import { setImagesInText, setKustomizeImages } from '../engine/manifest-images.js';
import type { ImageChange } from '../engine/images.js';

/** The files kustomize reads a kustomization from (those git ls-tree shows as YAML). */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml'];
import type { OwningApp } from '../engine/ownership.js';
import type { KubeObject } from '../kube/types.js';
import { openSource, type GitSource } from './source.js';

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

/**
 * Where the change goes: --repo/--branch/--path, else the repository the
 * objects' app follows (its last revision from git).
 */
export async function openTarget(owners: OwningApp[], t: WriteBackTarget): Promise<{ source: GitSource; branch: string; app?: string }> {
  const following = owners.filter((o) => o.followsGit);
  if (t.repo === undefined && following.length !== 1) {
    throw new UsageError(
      following.length === 0
        ? 'set-image --commit needs to know which repository holds the manifests: the objects belong to no app that follows git'
        : `set-image --commit: the objects belong to ${following.length} apps that follow git (${following.map((o) => o.app).join(', ')}); set the images of one app at a time`,
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
export async function commitImages(
  target: { source: GitSource; branch: string },
  changes: Array<{ object: KubeObject; images: ImageChange[] }>,
): Promise<{ sha: string; parent: string; files: string[] }> {
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
