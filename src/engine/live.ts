// Reads the live state of many objects with few requests: one LIST per
// (type, namespace) when several objects share it, a GET otherwise. For an app
// of 500 ConfigMaps that is one request instead of 500.
import type { Kube, KubeObject, ResourceMapping } from '../kube/types.js';
import { isForbidden } from '../kube/errors.js';
import { keyOf, refOf } from './changeset.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';

/** From this many objects of one type in one namespace on, a LIST is cheaper than GETs. */
const LIST_THRESHOLD = 4;

export async function fetchLive(
  kube: Kube,
  items: Array<{ desired: KubeObject; mapping: ResourceMapping }>,
  opts: { concurrency?: number; signal?: AbortSignal },
): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, KubeObject[]>();
  for (const { desired, mapping } of items) {
    const g = `${mapping.group}/${mapping.version}/${mapping.plural}/${desired.metadata.namespace ?? ''}`;
    const list = groups.get(g) ?? [];
    list.push(desired);
    groups.set(g, list);
  }
  const live = new Map<string, KubeObject>();
  const requests: Array<() => Promise<void>> = [];
  for (const objs of groups.values()) {
    if (objs.length >= LIST_THRESHOLD) {
      const { apiVersion, kind } = objs[0]!;
      const wanted = new Set(objs.map((o) => o.metadata.name));
      requests.push(async () => {
        let found: KubeObject[];
        try {
          ({ items: found } = await kube.list({ apiVersion, kind }, objs[0]!.metadata.namespace, { signal: opts.signal }));
        } catch (err) {
          // RBAC may allow get but not list: read the objects one by one then.
          if (!isForbidden(err)) throw err;
          found = (await mapLimit(objs, opts.concurrency ?? DEFAULT_CONCURRENCY, (o) => kube.find(refOf(o), { signal: opts.signal }))).filter(
            (o): o is KubeObject => o !== undefined,
          );
        }
        for (const o of found) {
          if (!wanted.has(o.metadata.name)) continue;
          // Lists carry apiVersion/kind on the list, not always on items.
          const withType = { ...o, apiVersion, kind };
          live.set(keyOf(refOf(withType)), withType);
        }
      });
    } else {
      for (const o of objs) {
        requests.push(async () => {
          const found = await kube.find(refOf(o), { signal: opts.signal });
          if (found) live.set(keyOf(refOf(o)), found);
        });
      }
    }
  }
  await mapLimit(requests, opts.concurrency ?? DEFAULT_CONCURRENCY, (r) => r());
  return live;
}
