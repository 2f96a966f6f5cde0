// Server-side apply and field ownership of ordinary writes, as the API
// server's field manager runs them: ownership is tracked per manager in
// metadata.managedFields; an apply merges the applied configuration into the
// live object, removes what the same manager applied before and no longer
// applies (unless someone else owns it), and refuses to change fields other
// managers own unless forced.
import type { KubeObject } from '../types.js';
import { ApplyConflictError, PatchError, type FieldConflict } from './errors.js';
import { FieldSet, fieldElement, pathString, type Path } from './fieldset.js';
import { capUpdateManagers, decodeManagedFields, describeManager, encodeManagedFields, isResetRequest, managerId, stripServerFields, type Manager } from './managed-fields.js';
import { isObject } from './json.js';
import { prune } from './prune.js';
import type { Schema, TypeSchema } from './schema.js';
import { compare, merge, toFieldSet, type Comparison } from './typed.js';
import { withZeroValues } from './zero-values.js';

export interface ApplyArgs {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  schema: TypeSchema;
  now: string;
  /** 'status' for an apply to the status subresource. */
  subresource?: string;
}

export interface UpdateArgs {
  before: KubeObject | undefined;
  after: KubeObject;
  manager: string;
  operation: 'Update';
  subresource?: string;
  apiVersion: string;
  schema: TypeSchema;
  now: string;
}

/** Metadata the server sets; an applied configuration cannot set or own it. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'];

/** Stands in for the writers of an object created before its fields were tracked. */
const BEFORE_FIRST_APPLY = 'before-first-apply';

/** The manager of `kubectl apply --server-side`, which may take over what `kubectl apply` set. */
const KUBECTL = 'kubectl';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function serverSideApply(args: ApplyArgs): KubeObject {
  const { schema, manager, apiVersion, now } = args;
  const root = schema.root;
  if (args.applied.metadata?.managedFields != null) throw new PatchError('metadata.managedFields must be nil', 400);
  const applied = appliedConfiguration(args.applied, schema, args.subresource);
  const live = args.live && withoutManagedFields(args.live);
  const managers = decodeManagedFields(args.live?.metadata.managedFields);
  if (live && managers.size === 0) {
    const set = stripServerFields(changedFields(diff(undefined, live, schema)));
    managers.set(managerId({ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion }), {
      manager: BEFORE_FIRST_APPLY,
      operation: 'Update',
      apiVersion,
      time: now,
      set,
    });
  }

  const id = managerId({ manager, operation: 'Apply', apiVersion, subresource: args.subresource });
  const previous = managers.get(id);
  const appliedSet = typedPatch(args.applied, () => toFieldSet(applied, root));
  let merged = typedPatch(args.applied, () => merge(live ?? {}, applied, root)) as KubeObject;
  if (previous) {
    const others = [...managers].filter(([k]) => k !== id).map(([, m]) => m.set);
    merged = prune(merged, previous.set, others.reduce((a, b) => a.union(b), appliedSet), root) as KubeObject;
  }

  const comparison = diff(live, merged, schema, args.subresource);
  const changed = changedFields(comparison);
  const conflicts: (FieldConflict & { path: Path })[] = [];
  for (const [otherId, m] of managers) {
    if (otherId === id) continue;
    const owned = m.set.intersection(changed);
    for (const path of owned.paths()) conflicts.push({ manager: m.manager, owner: describeManager(m), field: pathString(path), path });
    m.set = m.set.difference(owned).difference(comparison.removed);
  }
  if (conflicts.length > 0 && !args.force) {
    const upgradable = manager === KUBECTL ? unchangedSinceClientSideApply(live, root) : undefined;
    const remaining = conflicts.filter((c) => !upgradable?.has(c.path));
    if (remaining.length > 0) throw new ApplyConflictError(remaining.map(({ path: _, ...c }) => c));
  }

  const set = stripServerFields(appliedSet);
  const objectChanged = !changed.empty() || !comparison.removed.empty();
  const time = objectChanged || !previous || !previous.set.equals(set) ? now : previous.time;
  managers.set(id, { manager, operation: 'Apply', apiVersion, ...(args.subresource && { subresource: args.subresource }), ...(time && { time }), set });
  return withManagedFields(merged, managers);
}

export function recordUpdate(args: UpdateArgs): KubeObject {
  const { schema, manager, apiVersion, now } = args;
  const after = withoutManagedFields(args.after);
  const requested = args.after.metadata?.managedFields;
  // A write may set managedFields itself (kubectl does to drop stale entries); a subresource write may not.
  if (!args.subresource && isResetRequest(requested)) return after;
  let managers = args.subresource || !requested?.length ? undefined : decodeManagedFields(requested);
  if (!managers || managers.size === 0) managers = decodeManagedFields(args.before?.metadata.managedFields);
  // Objects nobody has tracked so far stay untracked until their first apply.
  if (args.before && managers.size === 0) return after;

  const comparison = diff(args.before && withoutManagedFields(args.before), after, schema, args.subresource);
  const changed = changedFields(comparison);
  for (const m of managers.values()) m.set = m.set.difference(changed).difference(comparison.removed);

  const mine = stripServerFields(changed);
  if (!mine.empty()) {
    const id = managerId({ manager, operation: 'Update', apiVersion, subresource: args.subresource });
    const previous = managers.get(id);
    managers.set(id, {
      manager,
      operation: 'Update',
      apiVersion,
      ...(args.subresource && { subresource: args.subresource }),
      time: now,
      set: previous ? previous.set.union(mine) : mine,
    });
  }
  return withManagedFields(after, managers);
}

// --- the applied configuration --------------------------------------------

/** What an apply sets: the object minus server-set metadata, and minus what this endpoint resets. */
function appliedConfiguration(obj: KubeObject, schema: TypeSchema, subresource: string | undefined): KubeObject {
  const out = structuredClone(obj);
  const metadata: Record<string, unknown> = isObject(out.metadata) ? out.metadata : {};
  for (const f of SERVER_METADATA) delete metadata[f];
  delete metadata.managedFields;
  if (subresource === 'status') {
    return { apiVersion: out.apiVersion, kind: out.kind, metadata: pick(metadata, ['name', 'namespace']), ...(Object.hasOwn(out, 'status') && { status: out.status }) };
  }
  if (schema.statusSubresource) delete out.status;
  return out;
}

function pick(m: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(m, k)).map((k) => [k, m[k]]));
}

/**
 * Runs a walk of the applied object, naming the object in errors as the API
 * server does (a plain error there, so a 500 without a reason).
 */
function typedPatch<T>(obj: KubeObject, walk: () => T): T {
  try {
    return walk();
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    throw new PatchError(`failed to create typed patch object (${gvk(obj)}): ${err.message}`, 500);
  }
}

function gvk(obj: KubeObject): string {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return `${group}/${version}, Kind=${obj.kind}`;
}

/**
 * The fields `kubectl apply --server-side` may take over without a conflict on
 * an object `kubectl apply` managed: those its last-applied configuration sets
 * and that still have the value it set there.
 */
function unchangedSinceClientSideApply(live: KubeObject | undefined, root: Schema): FieldSet | undefined {
  const annotation = live?.metadata.annotations?.[LAST_APPLIED];
  if (!annotation) return undefined;
  try {
    const lastApplied: unknown = JSON.parse(annotation);
    const changedSince = compare(withZeroValues(lastApplied, root), withZeroValues(live, root), root).modified;
    return toFieldSet(lastApplied, root).difference(changedSince);
  } catch {
    // An annotation that does not parse, or does not fit the schema, allows nothing.
    return undefined;
  }
}

// --- comparison helpers -------------------------------------------------------

/**
 * What a write changes, on the object as the API server's typed decoding sees
 * it, leaving out what this endpoint resets. No `before` is a create.
 */
function diff(before: KubeObject | undefined, after: KubeObject, schema: TypeSchema, subresource?: string): Comparison {
  const root = schema.root;
  return ignoreFields(compare(withZeroValues(before ?? {}, root), withZeroValues(after, root), root), schema, subresource);
}

function changedFields(c: Comparison): FieldSet {
  return c.added.union(c.modified);
}

/** Fields a write to this endpoint cannot change, which must neither conflict nor be owned. */
function ignoreFields(c: Comparison, schema: TypeSchema, subresource: string | undefined): Comparison {
  let ignored: FieldSet | undefined;
  if (subresource === 'status') ignored = FieldSet.of([fieldElement('spec')]);
  else if (!subresource && schema.statusSubresource) ignored = FieldSet.of([fieldElement('status')]);
  if (!ignored) return c;
  return { added: c.added.recursiveDifference(ignored), modified: c.modified.recursiveDifference(ignored), removed: c.removed.recursiveDifference(ignored) };
}

// --- managedFields on the object ------------------------------------------------

function withoutManagedFields(obj: KubeObject): KubeObject {
  const out = structuredClone(obj);
  if (isObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

function withManagedFields(obj: KubeObject, managers: Map<string, Manager>): KubeObject {
  capUpdateManagers(managers);
  const entries = encodeManagedFields(managers.values());
  const out = { ...obj, metadata: { ...obj.metadata } };
  if (entries.length > 0) out.metadata.managedFields = entries;
  else delete out.metadata.managedFields;
  return out;
}
