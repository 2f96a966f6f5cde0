// Planning: what would applying these objects change? Each object is applied
// with dryRun=All (the server validates, defaults and merges exactly as it
// would for real) and the answer is compared with the live object. Nothing is
// written. With prune, the inventory says which objects the app had before.
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { KubeError, isConflict, isNotFound } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { groupOf, keyOf, refOf, subjectOf } from './changeset.js';
import { appLabels, readInventory, APP_LABEL } from './inventory.js';
import { sameObject } from './normalize.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';
import { fetchLive } from './live.js';
import { applyIsNoop } from './noop.js';
import type { EngineError, Plan, PlanOptions, PlannedChange } from './types.js';

export const DEFAULT_FIELD_MANAGER = 'gdeploy';

const CRD_GROUP = 'apiextensions.k8s.io';

export const isNamespace = (o: { apiVersion: string; kind: string }): boolean => o.kind === 'Namespace' && o.apiVersion === 'v1';
export const isCRD = (o: { apiVersion: string; kind: string }): boolean =>
  o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === CRD_GROUP;

/** Objects the cluster needs before it can take the rest: they go first. */
export const isClusterStage = (o: { apiVersion: string; kind: string }): boolean => isNamespace(o) || isCRD(o);

interface Prepared {
  desired: KubeObject;
  mapping?: ResourceMapping;
  deferred?: 'crd' | 'namespace';
}

export async function plan(kube: Kube, opts: PlanOptions): Promise<Plan> {
  const errors: EngineError[] = [];
  const prepared = await prepare(kube, opts, errors);
  const byKey = new Map(prepared.map((p) => [keyOf(refOf(p.desired)), p]));
  const inventory = opts.prune ? await readInventory(kube, opts.app, opts.namespace, opts.signal) : undefined;
  if (errors.length > 0) return { changeSet: { changes: [] }, errors, inventory };

  const live = await fetchLive(kube, prepared.filter((p) => p.mapping && !p.deferred).map((p) => ({ desired: p.desired, mapping: p.mapping! })), opts);
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;

  // Namespaces and CRDs first: whether they exist decides how the rest can be planned.
  const first = prepared.filter((p) => isClusterStage(p.desired));
  const rest = prepared.filter((p) => !isClusterStage(p.desired));
  const planned = new Map<PlannedChange['desired'], PlannedChange>();
  const planOne = async (p: Prepared): Promise<void> => {
    planned.set(p.desired, await planObject(kube, p, live.get(keyOf(refOf(p.desired))), opts, errors));
  };
  await mapLimit(first, concurrency, planOne);
  const newNamespaces = new Set(
    first.filter((p) => isNamespace(p.desired) && planned.get(p.desired)?.action === 'created').map((p) => p.desired.metadata.name!),
  );
  for (const p of rest) {
    if (!p.deferred && p.desired.metadata.namespace && newNamespaces.has(p.desired.metadata.namespace)) p.deferred = 'namespace';
  }
  await mapLimit(rest, concurrency, planOne);

  const changes = prepared.map((p) => planned.get(p.desired)!);
  if (inventory) changes.push(...(await planPrunes(kube, inventory.objects, byKey, opts)));
  return { changeSet: { changes }, errors, inventory };
}

/** Resolves kinds, sets namespaces and gdeploy's labels; collects every problem before any request that matters. */
async function prepare(kube: Kube, opts: PlanOptions, errors: EngineError[]): Promise<Prepared[]> {
  const crdKinds = new Set(
    opts.objects.filter(isCRD).map((crd) => {
      const spec = (crd.spec ?? {}) as { group?: string; names?: { kind?: string } };
      return `${spec.group}/${spec.names?.kind}`;
    }),
  );
  return mapLimit(opts.objects, opts.concurrency ?? DEFAULT_CONCURRENCY, async (obj) => {
    const desired = structuredClone(obj);
    const subject = subjectOf({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    let mapping: ResourceMapping | undefined;
    try {
      mapping = await kube.resolve(obj.apiVersion, obj.kind, opts.signal);
    } catch (err) {
      if (isNotFound(err) && crdKinds.has(`${groupOf(obj.apiVersion)}/${obj.kind}`)) {
        // Defined by a CRD of this same deploy: assume namespaced unless it says otherwise (checked after stage one).
        desired.metadata.namespace ??= opts.namespace;
        desired.metadata.labels = { ...desired.metadata.labels, ...appLabels(opts.app) };
        return { desired, deferred: 'crd' as const };
      }
      errors.push({ subject, message: errorMessage(err), fatal: true, cause: err });
      return { desired };
    }
    if (mapping.namespaced) {
      const ns = obj.metadata.namespace ?? opts.namespace;
      if (opts.enforceNamespace && obj.metadata.namespace && obj.metadata.namespace !== opts.namespace) {
        errors.push({
          subject,
          fatal: true,
          message:
            `the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${opts.namespace}". ` +
            `You must pass '--namespace=${obj.metadata.namespace}' to perform this operation.`,
        });
      }
      desired.metadata.namespace = ns;
    } else {
      delete desired.metadata.namespace;
    }
    desired.metadata.labels = { ...desired.metadata.labels, ...appLabels(opts.app) };
    return { desired, mapping };
  });
}

async function planObject(
  kube: Kube,
  p: Prepared,
  live: KubeObject | undefined,
  opts: PlanOptions,
  errors: EngineError[],
): Promise<PlannedChange> {
  const ref = refOf(p.desired);
  const base = { ref, subject: subjectOf(ref), desired: p.desired };
  if (!p.mapping && !p.deferred) return { ...base, action: 'skipped', error: 'not planned' };
  if (p.deferred) return { ...base, action: live ? 'configured' : 'created', before: live, after: p.desired, deferred: p.deferred };
  const manager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
  if (live && applyIsNoop(live, p.desired, manager)) return { ...base, action: 'unchanged', before: live, after: live };
  try {
    const after = await kube.apply(p.desired, {
      dryRun: true,
      force: opts.forceConflicts,
      fieldManager: manager,
      signal: opts.signal,
    });
    if (!live) return { ...base, action: 'created', after };
    return { ...base, action: sameObject(live, after) ? 'unchanged' : 'configured', before: live, after };
  } catch (err) {
    const conflict = isConflict(err);
    const message = `${base.subject} apply failed: ${errorMessage(err)}`;
    errors.push({ subject: base.subject, message, fatal: !conflict, cause: err });
    return { ...base, action: 'failed', before: live, error: errorMessage(err) };
  }
}

/** Inventory objects the manifests no longer have, that still exist and still belong to the app. */
async function planPrunes(
  kube: Kube,
  inventory: ObjectRef[],
  current: Map<string, Prepared>,
  opts: PlanOptions,
): Promise<PlannedChange[]> {
  const gone = inventory.filter((r) => !current.has(keyOf(r)));
  const found = await mapLimit(gone, opts.concurrency ?? DEFAULT_CONCURRENCY, async (ref) => {
    try {
      return await kube.find(ref, { signal: opts.signal });
    } catch (err) {
      // Its kind is no longer served (CRD removed): nothing left to prune.
      if (err instanceof KubeError && isNotFound(err)) return undefined;
      throw err;
    }
  });
  const prunes: PlannedChange[] = [];
  gone.forEach((ref, i) => {
    const live = found[i];
    // Someone else took the object over (relabelled it): it is no longer the app's to delete.
    if (!live || live.metadata.labels?.[APP_LABEL] !== opts.app || live.metadata.deletionTimestamp) return;
    const liveRef = refOf(live);
    prunes.push({ ref: liveRef, subject: subjectOf(liveRef), action: 'pruned', before: live, desired: live });
  });
  return prunes;
}
