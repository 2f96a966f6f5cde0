// The live objects a command's resource arguments name, found as kubectl's
// resource builder finds them: from -f files, TYPE NAME / TYPE/NAME, or
// TYPE[,TYPE] with --all or -l.
import type { Kube, KubeObject } from '../kube/types.js';
import { loadManifests } from './manifests.js';
import { parseResourceArgs } from './resource-args.js';

export interface Selection {
  filename?: string[];
  recursive?: boolean;
  /** With TYPE[,TYPE]: every object of those types in the namespace. */
  all?: boolean;
  /** With TYPE[,TYPE]: objects matching this label selector. */
  selector?: string;
}

export async function selectObjects(kube: Kube, args: string[], sel: Selection): Promise<KubeObject[]> {
  const ns = kube.namespace;
  if (sel.filename?.length) {
    const objects = await loadManifests(sel.filename, { recursive: sel.recursive });
    return Promise.all(
      objects.map((o) => kube.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? ns, name: o.metadata.name ?? '' })),
    );
  }
  const { named, listed } = parseResourceArgs(args, Boolean(sel.all) || sel.selector !== undefined);
  const found = await Promise.all([
    ...named.map(async ({ type, name }) => [await kube.get({ apiVersion: type.apiVersion, kind: type.kind, namespace: ns, name })]),
    ...listed.map(async (type) => {
      const list = await kube.list(type, ns, { labelSelector: sel.selector });
      return list.items.map((o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }));
    }),
  ]);
  return found.flat();
}
