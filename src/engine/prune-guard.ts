// Prune must never delete more than it means to. Deleting a Namespace deletes
// everything in it; deleting a CRD deletes every custom resource of it. So a
// Namespace or CRD is pruned only when nothing would go with it but what this
// same run deletes anyway (and what lives and dies with that: owned objects,
// the defaults every namespace gets). Objects the run applies keep theirs, even
// when they do not exist yet. Otherwise it is kept, stays in the inventory, and
// is pruned by a later run once it is empty. The decision is made when
// planning and made again just before a Namespace is deleted, since objects
// may have arrived in between.
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { keyOf, refOf, subjectOf } from './changeset.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';
import { crdSpec, definedKind, isCRD, isNamespace, kindOf } from './kinds.js';
import { inventoryRef } from './inventory.js';

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

export interface GuardOptions {
  /** The objects the run applies: their Namespace and their CRD stay. */
  desired: KubeObject[];
  /** The app and the namespace of its inventory: that namespace holds the app's own record. */
  app: string;
  home: string;
  /** Deleted by the run besides the candidates (when checking again just before a delete). */
  deleted?: KubeObject[];
  concurrency?: number;
  signal?: AbortSignal;
}

/** Created in every namespace by the cluster itself (root CA publisher, service account controller). */
const NAMESPACE_DEFAULTS = new Set(['v1/ConfigMap/kube-root-ca.crt', 'v1/ServiceAccount/default']);
/** How many objects a message names before it only counts. */
const NAMED = 5;

export async function guardPrunes(kube: Kube, candidates: KubeObject[], opts: GuardOptions): Promise<GuardedPrunes> {
  const namespaces = candidates.filter(isNamespace);
  const crds = candidates.filter(isCRD);
  const plain = candidates.filter((o) => !isNamespace(o) && !isCRD(o));
  const prunes: GuardedPrunes['prunes'] = plain.map((live) => ({ live, cascade: [] }));
  if (namespaces.length === 0 && crds.length === 0) return { prunes, retained: [] };

  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const deleted = new Set([...plain, ...(opts.deleted ?? [])].map((o) => o.metadata.uid).filter((u): u is string => !!u));
  const verdicts = await mapLimit(crds, concurrency, (crd) => crdVerdict(kube, crd, deleted, opts));
  const retained = verdicts.filter((v): v is Retained => v !== undefined);
  crds.forEach((crd, i) => verdicts[i] === undefined && prunes.push({ live: crd, cascade: [] }));

  if (namespaces.length > 0) {
    let types: ResourceMapping[] | undefined;
    let why = '';
    try {
      // What the namespace controller deletes: every namespaced kind that can be listed and deleted.
      types = (await kube.resourceTypes(opts.signal)).filter((m) => m.namespaced && hasVerbs(m, 'list', 'delete'));
    } catch (err) {
      why = `not pruned: cannot tell what else it holds: discovery failed: ${errorMessage(err)}`;
    }
    for (const ns of namespaces) {
      const verdict = types ? await namespaceVerdict(kube, ns, types, deleted, concurrency, opts) : { reason: why };
      if ('cascade' in verdict) prunes.push({ live: ns, cascade: verdict.cascade });
      else retained.push(retain(ns, verdict.reason));
    }
  }
  return { prunes, retained };
}

function hasVerbs(m: ResourceMapping, ...verbs: string[]): boolean {
  // Discovery that lists no verbs (an old server) is taken to allow them.
  return m.verbs === undefined || verbs.every((v) => m.verbs!.includes(v));
}

function retain(obj: KubeObject, reason: string): Retained {
  const ref = refOf(obj);
  return { ref, subject: subjectOf(ref), reason };
}

/** `a, b, c, and 2 more`: at most a few subjects. */
function names(objs: KubeObject[]): string {
  const named = objs.slice(0, NAMED).map((o) => subjectOf({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name ?? '' }));
  return named.join(', ') + (objs.length > NAMED ? `, and ${objs.length - NAMED} more` : '');
}

/** `3 objects this run does not delete: a, b, c`. */
function naming(objs: KubeObject[], what: string): string {
  return `${objs.length === 1 ? `1 ${what}` : `${objs.length} ${what}s`} this run does not delete: ${names(objs)}`;
}

async function crdVerdict(kube: Kube, crd: KubeObject, deleted: Set<string>, opts: GuardOptions): Promise<Retained | undefined> {
  const spec = crdSpec(crd);
  const served = (spec.versions ?? []).find((v) => v.served !== false)?.name;
  const applied = opts.desired.filter((o) => kindOf(o) === definedKind(crd));
  if (applied.length > 0) {
    return retain(crd, `not pruned: this run applies custom resources of it: ${names(applied)}`);
  }
  if (!spec.group || !spec.names?.kind || !served) {
    return retain(crd, 'not pruned: cannot tell whether custom resources of it exist (it serves no version, or names no group or kind)');
  }
  let items: KubeObject[];
  try {
    ({ items } = await kube.list({ apiVersion: `${spec.group}/${served}`, kind: spec.names.kind }, undefined, { signal: opts.signal, metadataOnly: true }));
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
  opts: GuardOptions,
): Promise<{ cascade: ObjectRef[] } | { reason: string }> {
  const name = ns.metadata.name!;
  if (name === opts.home) {
    const record = subjectOf(inventoryRef(opts.app, opts.home));
    return { reason: `not pruned: it holds app ${opts.app}'s own inventory (${record}); delete it by hand once the app is gone, or keep the app's record in another namespace with -n` };
  }
  const failures: string[] = [];
  const lists = await mapLimit(types, concurrency, async (m) => {
    const apiVersion = m.group ? `${m.group}/${m.version}` : m.version;
    try {
      return (await kube.list({ apiVersion, kind: m.kind }, name, { signal: opts.signal, metadataOnly: true })).items;
    } catch (err) {
      // A kind no longer served (its CRD was just pruned) has no objects left.
      if (!isNotFound(err)) failures.push(`${m.plural}${m.group ? '.' + m.group : ''}: ${errorMessage(err)}`);
      return [];
    }
  });
  if (failures.length > 0) {
    return { reason: `not pruned: cannot tell what else it holds (${failures.slice(0, 2).join('; ')}${failures.length > 2 ? '; ...' : ''})` };
  }
  const inside = lists.flat();
  const going = goingWith(inside, deleted);
  const existing = new Set(inside.map((o) => keyOf(refOf(o))));
  // Objects the run applies there stay, whether they exist yet or not.
  const arriving = opts.desired.filter((o) => o.metadata.namespace === name && !existing.has(keyOf(refOf(o))));
  const left = [...inside.filter((o) => !going.has(o)), ...arriving];
  if (left.length > 0) {
    return { reason: `not pruned: it still holds ${naming(left, 'object')}; it stays in the inventory and is pruned once nothing else lives there` };
  }
  return { cascade: inside.filter((o) => !deleted.has(o.metadata.uid ?? '')).map(refOf) };
}

/**
 * The objects of a namespace that go when the run's deletes are done: those
 * deleted, those being deleted already, the namespace's defaults, and
 * (repeatedly) what the cluster removes after them: objects all of whose
 * owners go (the garbage collector), Endpoints of a Service that goes and
 * token Secrets of a ServiceAccount that goes (their controllers).
 */
function goingWith(inside: KubeObject[], deleted: Set<string>): Set<KubeObject> {
  const going = new Set<KubeObject>();
  const goneUids = new Set(deleted);
  const goneServices = new Set<string>();
  const add = (o: KubeObject): void => {
    going.add(o);
    if (o.metadata.uid) goneUids.add(o.metadata.uid);
    if (o.apiVersion === 'v1' && o.kind === 'Service') goneServices.add(o.metadata.name!);
  };
  const goes = (o: KubeObject): boolean => {
    if (goneUids.has(o.metadata.uid ?? '') || o.metadata.deletionTimestamp) return true;
    if (NAMESPACE_DEFAULTS.has(`${o.apiVersion}/${o.kind}/${o.metadata.name}`)) return true;
    if (o.apiVersion === 'v1' && o.kind === 'Endpoints' && goneServices.has(o.metadata.name!)) return true;
    const tokenOf = o.apiVersion === 'v1' && o.kind === 'Secret' ? o.metadata.annotations?.['kubernetes.io/service-account.uid'] : undefined;
    if (tokenOf && goneUids.has(tokenOf)) return true;
    const owners = o.metadata.ownerReferences ?? [];
    return owners.length > 0 && owners.every((r) => goneUids.has(r.uid));
  };
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of inside) {
      if (!going.has(o) && goes(o)) {
        add(o);
        grew = true;
      }
    }
  }
  return going;
}
