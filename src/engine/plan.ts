// Planning: what would applying these objects change? Each object is applied
// with dryRun=All (the server validates, defaults and merges exactly as it
// would for real) and the answer is compared with the live object. Nothing is
// written. With prune, the inventory says which objects the app had before.
import type { Kube, KubeObject, ObjectRef, ResourceMapping } from '../kube/types.js';
import { KubeError, isConflict, isForbidden, isInvalid, isMalformed, isNotFound, isUnauthorized } from '../kube/errors.js';
import { errorMessage } from './errors.js';
import { groupOf, keyOf, refOf, subjectOf } from './changeset.js';
import { appLabels, inventoryRef, readInventory, APP_LABEL } from './inventory.js';
import { sameObject } from './normalize.js';
import { DEFAULT_CONCURRENCY, mapLimit } from './pool.js';
import { fetchLive } from './live.js';
import { sourceOf, type ManifestSource } from './manifests.js';
import { applyIsNoop } from './noop.js';
import { guardPrunes, type Retained } from './prune-guard.js';
import { crdFailure } from './crds.js';
import { crdSpec, definedKind, isCRD, isClusterStage, isNamespace, kindOf } from './kinds.js';
import { DEFAULT_FIELD_MANAGER, writeObject } from './write.js';
import type { EngineError, Plan, PlanOptions, PlannedChange } from './types.js';

export { DEFAULT_FIELD_MANAGER } from './write.js';

export { isCRD, isClusterStage, isNamespace } from './kinds.js';

interface Prepared {
  desired: KubeObject;
  mapping?: ResourceMapping;
  deferred?: 'crd' | 'namespace';
  /** The file and document it came from, when it came from one. */
  source?: ManifestSource;
}

/**
 * `Kind/namespace/name (file, document N)`: for errors whose fix is in the
 * manifest, so that the reader knows which document to open, as kubectl names
 * the file an object came from.
 */
function located(subject: string, source: ManifestSource | undefined): string {
  return source ? `${subject} (${source.file}, document ${source.document})` : subject;
}

export async function plan(kube: Kube, opts: PlanOptions): Promise<Plan> {
  const errors: EngineError[] = [];
  const prepared = await prepare(kube, opts, errors);
  const byKey = new Map(prepared.map((p) => [keyOf(refOf(p.desired)), p]));
  const inventory = opts.prune ? await readInventory(kube, opts.app, opts.namespace, opts.signal) : undefined;
  if (errors.length > 0) return { changeSet: { changes: [] }, errors, retained: [], inventory };

  const live = await readLive(kube, prepared.filter((p) => p.mapping && !p.deferred).map((p) => ({ desired: p.desired, mapping: p.mapping! })), opts);
  await readLiveInOtherVersions(kube, prepared.filter((p) => p.deferred === 'crd'), live, opts);
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;

  // Namespaces and CRDs first: whether they exist decides how the rest can be planned.
  const first = prepared.filter((p) => isClusterStage(p.desired));
  const rest = prepared.filter((p) => !isClusterStage(p.desired));
  const planned = new Map<PlannedChange['desired'], PlannedChange>();
  const planOne = async (p: Prepared): Promise<void> => {
    const key = keyOf(refOf(p.desired));
    planned.set(p.desired, await planObject(kube, p, { live: live.objects.get(key), refused: live.refused.get(key) }, opts, errors));
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
  const warnings: string[] = [];
  const retained: Retained[] = [];
  if (inventory) changes.push(...(await planPrunes(kube, inventory.objects, byKey, opts, { errors, warnings, retained })));
  warnings.push(...retained.map((r) => `${r.subject} ${r.reason}`));
  return { changeSet: { changes, ...(warnings.length > 0 ? { warnings } : {}) }, errors, retained, inventory };
}

/** Resolves kinds, sets namespaces and gdeploy's labels; collects every problem before any request that matters. */
async function prepare(kube: Kube, opts: PlanOptions, errors: EngineError[]): Promise<Prepared[]> {
  // Kinds defined by CRDs of this same deploy, and whether the CRD makes them namespaced.
  const crdKinds = new Map(opts.objects.filter(isCRD).map((crd) => [definedKind(crd), crdSpec(crd).scope !== 'Cluster'] as const));
  return mapLimit(opts.objects, opts.concurrency ?? DEFAULT_CONCURRENCY, async (obj) => {
    const desired = structuredClone(obj);
    const subject = subjectOf({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    const source = sourceOf(obj);
    let mapping: ResourceMapping | undefined;
    try {
      mapping = await kube.resolve(obj.apiVersion, obj.kind, opts.signal);
    } catch (err) {
      if (isUnauthorized(err)) throw err;
      const namespaced = crdKinds.get(kindOf(obj));
      if (isNotFound(err) && namespaced !== undefined) {
        // Defined by a CRD of this same deploy, whose scope the plan takes from it (checked again after stage one).
        if (namespaced) desired.metadata.namespace ??= opts.namespace;
        else delete desired.metadata.namespace;
        labelWithApp(desired, opts);
        return { desired, deferred: 'crd' as const, source };
      }
      // An unknown kind is fixed in the manifest; a failed discovery request is not.
      const where = isNotFound(err) ? located(subject, source) : subject;
      errors.push({ subject, message: `${where}: ${errorMessage(err)}`, fatal: true, cause: err });
      return { desired, source };
    }
    if (mapping.namespaced) {
      const ns = obj.metadata.namespace ?? opts.namespace;
      if (opts.enforceNamespace && obj.metadata.namespace && obj.metadata.namespace !== opts.namespace) {
        errors.push({
          subject,
          fatal: true,
          message:
            `${located(subject, source)}: the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${opts.namespace}". ` +
            `You must pass '--namespace=${obj.metadata.namespace}' to perform this operation.`,
        });
      }
      desired.metadata.namespace = ns;
    } else {
      delete desired.metadata.namespace;
    }
    labelWithApp(desired, opts);
    return { desired, mapping, source };
  });
}

/** An app's manifests carry its labels; an edit of a live object is written as it is. */
function labelWithApp(desired: KubeObject, opts: PlanOptions): void {
  if (opts.kind !== 'edits') desired.metadata.labels = { ...desired.metadata.labels, ...appLabels(opts.app) };
}

/** What the cluster showed of an object before planning it. */
interface LiveRead {
  live?: KubeObject;
  /** Reading it was refused (403): what it is now cannot be known. */
  refused?: KubeError;
}

/** The live objects, and for each one the cluster would not show, the refusal. */
interface LiveState {
  objects: Map<string, KubeObject>;
  refused: Map<string, KubeError>;
}

async function readLive(kube: Kube, items: Array<{ desired: KubeObject; mapping: ResourceMapping }>, opts: PlanOptions): Promise<LiveState> {
  try {
    return { objects: await fetchLive(kube, items, opts), refused: new Map() };
  } catch (err) {
    if (!isForbidden(err)) throw err;
  }
  // Some read was refused: read object by object to learn exactly which, so
  // that each refused object gets its own line and the others are planned.
  const state: LiveState = { objects: new Map(), refused: new Map() };
  await mapLimit(items, opts.concurrency ?? DEFAULT_CONCURRENCY, async ({ desired }) => {
    const ref = refOf(desired);
    try {
      const found = await kube.find(ref, { signal: opts.signal });
      if (found) state.objects.set(keyOf(ref), found);
    } catch (err) {
      if (!isForbidden(err)) throw err;
      state.refused.set(keyOf(ref), err);
    }
  });
  return state;
}

/**
 * An object whose version only a CRD of this deploy will serve may already
 * exist under another version of its kind (the CRD moves it from v1alpha1 to
 * v1): read it there, so that the plan does not call it new.
 */
async function readLiveInOtherVersions(kube: Kube, deferred: Prepared[], state: LiveState, opts: PlanOptions): Promise<void> {
  await mapLimit(deferred, opts.concurrency ?? DEFAULT_CONCURRENCY, async ({ desired }) => {
    const ref = refOf(desired);
    try {
      const m = await kube.resolveKind(groupOf(ref.apiVersion), ref.kind, opts.signal);
      const found = await kube.find({ ...ref, apiVersion: `${m.group}/${m.version}` }, { signal: opts.signal });
      if (found) state.objects.set(keyOf(ref), found);
    } catch (err) {
      if (isForbidden(err)) state.refused.set(keyOf(ref), err);
      else if (!isNotFound(err)) throw err;
    }
  });
}

async function planObject(
  kube: Kube,
  p: Prepared,
  { live, refused }: LiveRead,
  opts: PlanOptions,
  errors: EngineError[],
): Promise<PlannedChange> {
  const ref = refOf(p.desired);
  const base = { ref, subject: subjectOf(ref), desired: p.desired };
  const fail = (err: unknown): PlannedChange => {
    if (isUnauthorized(err)) throw err;
    errors.push(objectError(base.subject, p.source, err, opts));
    return { ...base, action: 'failed', before: live, error: errorMessage(err) };
  };
  if (!p.mapping && !p.deferred) return { ...base, action: 'skipped', error: 'not planned' };
  const manager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
  if (p.deferred) {
    if (refused) return fail(refused);
    // Read under another version: with no conversion webhook its fields are the same in every version.
    const unchanged = live && !convertsByWebhook(opts.objects, ref) && applyIsNoop(asVersion(live, p.desired.apiVersion), p.desired, manager);
    const action = !live ? 'created' : unchanged ? 'unchanged' : 'configured';
    return { ...base, action, before: live, after: action === 'unchanged' ? live : p.desired, deferred: p.deferred };
  }
  // A CRD the server will not establish is not "unchanged": what it needs is a change.
  const unchanged = (): PlannedChange => {
    const stuck = live && isCRD(live) ? crdFailure(live) : undefined;
    if (!stuck) return { ...base, action: 'unchanged', before: live, after: live };
    errors.push({ subject: base.subject, message: `${located(base.subject, p.source)}: ${stuck}`, fatal: true });
    return { ...base, action: 'failed', before: live, error: stuck };
  };
  if (live && opts.write !== 'update' && applyIsNoop(live, p.desired, manager)) return unchanged();
  let after: KubeObject;
  try {
    // Tried even when reading was refused: a refused write is what matters most to report.
    after = await writeObject(kube, p.desired, { write: opts.write, dryRun: true, force: opts.forceConflicts, fieldManager: manager, signal: opts.signal });
  } catch (err) {
    return fail(err);
  }
  // Allowed to write but not to read: whether it would be created or changed cannot be told.
  if (refused) return fail(refused);
  if (!live) return { ...base, action: 'created', after };
  return sameObject(live, after) ? unchanged() : { ...base, action: 'configured', before: live, after };
}

/** The object as read under another version of its kind, relabelled with `apiVersion` (fields and field owners alike). */
function asVersion(obj: KubeObject, apiVersion: string): KubeObject {
  const managedFields = obj.metadata.managedFields?.map((e) => ({ ...e, apiVersion }));
  return { ...obj, apiVersion, metadata: { ...obj.metadata, ...(managedFields ? { managedFields } : {}) } };
}

/** Whether the CRD of this deploy that defines ref's kind converts between versions by a webhook. */
function convertsByWebhook(objects: KubeObject[], ref: ObjectRef): boolean {
  const crd = objects.find((o) => isCRD(o) && definedKind(o) === kindOf(ref));
  return crd !== undefined && crdSpec(crd).conversion?.strategy === 'Webhook';
}

/**
 * One line per object. A refusal already says the verb, the resource and
 * where; "apply failed" would suggest a write was tried. An object the server
 * finds invalid or cannot read as its kind is fixed in its manifest, so the
 * line says which one. A diff says what the server would do, not that an
 * apply failed. A conflict is not fatal here: the command decides
 * (--force-conflicts).
 */
function objectError(subject: string, source: ManifestSource | undefined, err: unknown, opts: PlanOptions): EngineError {
  const where = isInvalid(err) || isMalformed(err) ? located(subject, source) : subject;
  const message = isForbidden(err)
    ? `${subject}: ${errorMessage(err)}`
    : `${where} ${opts.forDiff ? 'would be refused' : `${opts.write ?? 'apply'} failed`}: ${errorMessage(err)}`;
  // An update's conflict is a change made since the object was read: writing anyway would overwrite it.
  return { subject, message, fatal: !isConflict(err) || opts.write === 'update', cause: err };
}

/**
 * Inventory objects the manifests no longer have, that still exist and still
 * belong to the app. All or nothing: if any of them cannot be read, or the
 * cluster would refuse to delete it, nothing is pruned, since deciding on part
 * of the picture could delete what should stay.
 */
async function planPrunes(
  kube: Kube,
  inventory: ObjectRef[],
  current: Map<string, Prepared>,
  opts: PlanOptions,
  { errors, warnings, retained }: { errors: EngineError[]; warnings: string[]; retained: Retained[] },
): Promise<PlannedChange[]> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const problems: EngineError[] = [];
  /** The step's answer; undefined when the object is gone (or its kind no longer served: a CRD removed), or the step failed. */
  const check = async <T>(ref: ObjectRef, doing: string, step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!(err instanceof KubeError) || isUnauthorized(err)) throw err;
      const subject = subjectOf(ref);
      problems.push({ subject, message: `${subject}: ${doing}: ${errorMessage(err)}`, fatal: true, cause: err });
      return undefined;
    }
  };
  const refuse = (why: string): PlannedChange[] => {
    const record = subjectOf(inventoryRef(opts.app, opts.namespace));
    const count = problems.length === 1 ? '1 object' : `${problems.length} objects`;
    errors.push(...problems, { subject: record, message: `not pruning: ${count} of app ${opts.app}'s inventory (${record}) ${why}`, fatal: true });
    return [];
  };

  // Entries name objects by group, kind, namespace and name; the version they
  // were recorded with may no longer be served (a CRD moved on), and a custom
  // resource planned before its CRD said it is cluster-scoped was recorded with
  // a namespace. Discovery says how each is served now. Only entries missing
  // from the manifests need it.
  const missing = inventory.filter((r) => !current.has(keyOf(r)));
  const resolved = await mapLimit(missing, concurrency, async (r): Promise<ObjectRef | undefined> => {
    let mapping: ResourceMapping;
    try {
      mapping = await kube.resolveKind(groupOf(r.apiVersion), r.kind, opts.signal);
    } catch (err) {
      if (!isNotFound(err)) return check(r, 'cannot tell whether to prune it', () => Promise.reject(err));
      // No version of its kind is served (its CRD is gone, and its objects with it).
      const subject = subjectOf(r);
      warnings.push(`${subject}: dropped from app ${opts.app}'s inventory: the cluster no longer serves its kind (${r.kind} in ${r.apiVersion}), so it cannot exist`);
      return undefined;
    }
    const apiVersion = mapping.group ? `${mapping.group}/${mapping.version}` : mapping.version;
    return { ...r, apiVersion, namespace: mapping.namespaced ? r.namespace : undefined };
  });
  const gone = resolved.filter((r): r is ObjectRef => r !== undefined && !current.has(keyOf(r)));
  const found = await mapLimit(gone, concurrency, (ref) => check(ref, 'cannot tell whether to prune it', () => kube.find(ref, { signal: opts.signal })));
  if (problems.length > 0) return refuse('cannot be read, and prune deletes only on a complete picture');

  // Someone else took an object over (relabelled it): it is no longer the app's to delete.
  const owned = found.filter((live): live is KubeObject => !!live && live.metadata.labels?.[APP_LABEL] === opts.app && !live.metadata.deletionTimestamp);
  // Deleted as a dry run first, so that a delete the cluster would refuse
  // stops the deploy before its first write, like any other refused change.
  const deletable = !opts.checkPrunes ? owned : await mapLimit(owned, concurrency, (live) =>
    check(refOf(live), 'cannot prune it', async () => {
      await kube.delete(refOf(live), { dryRun: true, propagationPolicy: 'Background', uid: live.metadata.uid, signal: opts.signal });
      return live;
    }),
  );
  if (problems.length > 0) return refuse('cannot be deleted, and prune deletes all it should or nothing');
  const guarded = await guardPrunes(kube, deletable.filter((live): live is KubeObject => live !== undefined), {
    desired: [...current.values()].map((p) => p.desired),
    app: opts.app,
    home: opts.namespace,
    concurrency,
    signal: opts.signal,
  });
  retained.push(...guarded.retained);
  return guarded.prunes.map(({ live, cascade }) => {
    const ref = refOf(live);
    return { ref, subject: subjectOf(ref), action: 'pruned', before: live, desired: live, ...(cascade.length > 0 ? { cascade } : {}) };
  });
}
