// Prune must never delete more than it means to. Deleting a Namespace deletes
// everything in it; deleting a CRD deletes every custom resource of it. So a
// Namespace or CRD is pruned only when nothing would go with it but what this
// same run deletes anyway (and what lives and dies with that: owned objects,
// the defaults every namespace gets). Otherwise it is kept, stays in the
// inventory, and is pruned by a later run once it is empty.
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { errorMessage } from './errors.js';
import { refOf, subjectOf } from './changeset.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';
import { isCRD, isNamespace } from './plan.js';

/** An inventory object prune leaves in place, and why. */
export interface Retained {
  ref: ObjectRef;
  subject: string;
  /** One line, naming a few of the objects that keep it. */
  reason: string;
}

export interface GuardedPrunes {
  /** The prunes to carry out; a Namespace's entry lists what goes with it (`cascade`). */
  prunes: Array<{ live: KubeObject; cascade: ObjectRef[] }>;
  retained: Retained[];
}

/** Created in every namespace by the cluster itself (root CA publisher, service account controller). */
const NAMESPACE_DEFAULTS = new Set(['v1/ConfigMap/kube-root-ca.crt', 'v1/ServiceAccount/default']);
/** Records of what happened, not objects anyone keeps: the namespace's deletion takes them. */
const EPHEMERAL = new Set(['/Event', 'events.k8s.io/Event']);
/** How many objects a message names before it only counts. */
const NAMED = 5;

export async function guardPrunes(
  kube: Kube,
  candidates: KubeObject[],
  opts: { concurrency?: number; signal?: AbortSignal },
): Promise<GuardedPrunes> {
  const namespaces = candidates.filter(isNamespace);
  const crds = candidates.filter(isCRD);
  const plain = candidates.filter((o) => !isNamespace(o) && !isCRD(o));
  if (namespaces.length === 0 && crds.length === 0) return { prunes: plain.map((live) => ({ live, cascade: [] })), retained: [] };

  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const retained: Retained[] = [];
  const prunes: GuardedPrunes['prunes'] = plain.map((live) => ({ live, cascade: [] }));
  const deleted = new Set(plain.map((o) => o.metadata.uid).filter((u): u is string => !!u));

  // CRDs first: a CRD's custom resources may live in a namespace pruned below.
  for (const crd of crds) {
    const verdict = await crdVerdict(kube, crd, deleted, opts.signal);
    if (verdict) retained.push(verdict);
    else prunes.push({ live: crd, cascade: [] });
  }

  if (namespaces.length > 0) {
    let types: ResourceMapping[] | undefined;
    let why: string | undefined;
    try {
      types = (await kube.resourceTypes(opts.signal)).filter(
        (m) => m.namespaced && (m.verbs ?? ['list']).includes('list') && !EPHEMERAL.has(`${m.group}/${m.kind}`),
      );
    } catch (err) {
      why = `cannot tell what else it holds: discovery failed: ${errorMessage(err)}`;
    }
    for (const ns of namespaces) {
      const verdict = types ? await namespaceVerdict(kube, ns, types, deleted, concurrency, opts.signal) : { reason: why! };
      if ('cascade' in verdict) prunes.push({ live: ns, cascade: verdict.cascade });
      else retained.push(retain(ns, verdict.reason));
    }
  }
  return { prunes, retained };
}

function retain(obj: KubeObject, reason: string): Retained {
  const ref = refOf(obj);
  return { ref, subject: subjectOf(ref), reason };
}

/** `3 objects this run does not delete: a, b, c`, naming at most a few. */
function naming(objs: KubeObject[], what: string): string {
  const names = objs.slice(0, NAMED).map((o) => subjectOf(refOf(o)));
  const more = objs.length > NAMED ? `, and ${objs.length - NAMED} more` : '';
  return `${objs.length === 1 ? `1 ${what}` : `${objs.length} ${what}s`} this run does not delete: ${names.join(', ')}${more}`;
}

async function crdVerdict(kube: Kube, crd: KubeObject, deleted: Set<string>, signal?: AbortSignal): Promise<Retained | undefined> {
  const spec = (crd.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string; served?: boolean }> };
  const served = (spec.versions ?? []).find((v) => v.served !== false)?.name;
  if (!spec.group || !spec.names?.kind || !served) return undefined;
  let items: KubeObject[];
  try {
    ({ items } = await kube.list({ apiVersion: `${spec.group}/${served}`, kind: spec.names.kind }, undefined, { signal }));
  } catch (err) {
    return retain(crd, `not pruned: cannot tell whether custom resources of it exist: ${errorMessage(err)}`);
  }
  const left = items.filter((o) => !deleted.has(o.metadata.uid ?? '') && !o.metadata.deletionTimestamp);
  if (left.length === 0) return undefined;
  return retain(crd, `not pruned: deleting it would delete its custom resources, and it still has ${naming(left, 'custom resource')}`);
}

async function namespaceVerdict(
  kube: Kube,
  ns: KubeObject,
  types: ResourceMapping[],
  deleted: Set<string>,
  concurrency: number,
  signal?: AbortSignal,
): Promise<{ cascade: ObjectRef[] } | { reason: string }> {
  const name = ns.metadata.name!;
  const failures: string[] = [];
  const lists = await mapLimit(types, concurrency, async (m) => {
    const apiVersion = m.group ? `${m.group}/${m.version}` : m.version;
    try {
      return (await kube.list({ apiVersion, kind: m.kind }, name, { signal })).items;
    } catch (err) {
      failures.push(`${m.plural}${m.group ? '.' + m.group : ''}: ${errorMessage(err)}`);
      return [];
    }
  });
  if (failures.length > 0) {
    return { reason: `not pruned: cannot tell what else it holds (${failures.slice(0, 2).join('; ')}${failures.length > 2 ? '; ...' : ''})` };
  }
  const inside = lists.flat();
  const going = goingWith(inside, deleted);
  const left = inside.filter((o) => !going.has(o));
  if (left.length > 0) {
    return { reason: `not pruned: it still holds ${naming(left, 'object')}; it stays in the inventory and is pruned once nothing else lives there` };
  }
  return { cascade: inside.filter((o) => !deleted.has(o.metadata.uid ?? '')).map(refOf) };
}

/**
 * The objects of a namespace that go when the run's deletes are done: those
 * deleted, those being deleted already, the namespace's defaults, Endpoints of
 * deleted Services, and (repeatedly) objects all of whose owners go.
 */
function goingWith(inside: KubeObject[], deleted: Set<string>): Set<KubeObject> {
  const going = new Set<KubeObject>();
  const goneUids = new Set(deleted);
  const goneServices = new Set(inside.filter((o) => o.kind === 'Service' && deleted.has(o.metadata.uid ?? '')).map((o) => o.metadata.name));
  const add = (o: KubeObject): void => {
    going.add(o);
    if (o.metadata.uid) goneUids.add(o.metadata.uid);
  };
  for (const o of inside) {
    const isDefault = NAMESPACE_DEFAULTS.has(`${o.apiVersion}/${o.kind}/${o.metadata.name}`);
    const endpointsOfGone = o.apiVersion === 'v1' && o.kind === 'Endpoints' && goneServices.has(o.metadata.name);
    if (goneUids.has(o.metadata.uid ?? '') || o.metadata.deletionTimestamp || isDefault || endpointsOfGone) add(o);
  }
  // The garbage collector deletes an object once every one of its owners is gone.
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of inside) {
      const owners = o.metadata.ownerReferences ?? [];
      if (!going.has(o) && owners.length > 0 && owners.every((r) => goneUids.has(r.uid))) {
        add(o);
        grew = true;
      }
    }
  }
  return going;
}
