// The fields one field manager owns in an object, as an object: the same job as
// client-go's Extract<Kind>() functions. Re-applying an object under a manager
// replaces everything that manager applied before, so a partial change (one
// image) must be applied on top of what the manager already owns, or the rest
// of its fields would be dropped.
//
// managedFields record ownership as FieldsV1, a tree of keys:
//   f:<name>          a field of a map
//   k:{"name":"web"}  the item of an associative list with these key fields
//   v:<json>          the item of a set with this value
//   i:<index>         the item at an index of an atomic-by-position list
//   .                 the item itself (present when the item is owned as a whole)
// An empty {} under a key means the value there is owned whole (a leaf).
import type { KubeObject, ManagedFieldsEntry } from '../kube/types.js';
import { deepEqual } from './normalize.js';

type FieldSet = Record<string, unknown>;
type Json = unknown;

/** Entries of `manager` written by server-side apply to the main resource (not /status or /scale). */
export function appliedEntries(obj: KubeObject, manager: string): ManagedFieldsEntry[] {
  return (obj.metadata.managedFields ?? []).filter(
    (e) => e.manager === manager && e.operation === 'Apply' && !e.subresource && e.fieldsV1,
  );
}

/**
 * The object reduced to the fields `manager` applied, plus apiVersion, kind,
 * name and namespace (which identify it). Returns only the identity when the
 * manager owns nothing. With `fieldsOf`, the fields are those the manager
 * applied in that other state of the object (its values still come from
 * `obj`): what puts an applied change back is the same set of fields with the
 * values they had before.
 */
export function extractOwned(obj: KubeObject, manager: string, fieldsOf: KubeObject = obj): KubeObject {
  const owned: KubeObject = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name: obj.metadata.name },
  };
  if (obj.metadata.namespace) owned.metadata.namespace = obj.metadata.namespace;
  for (const entry of appliedEntries(fieldsOf, manager)) {
    const picked = pick(obj, entry.fieldsV1 as FieldSet);
    if (isMap(picked)) mergeInto(owned, picked);
  }
  // Bookkeeping the server sets is never the applier's to send back.
  for (const f of ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp'] as const) delete owned.metadata[f];
  delete owned.status;
  return owned;
}

/** The parts of `value` that `fields` names. */
function pick(value: Json, fields: FieldSet): Json {
  const keys = Object.keys(fields).filter((k) => k !== '.');
  // `.` alone: the item is owned as a member, none of its fields are.
  if (keys.length === 0) return '.' in fields && isMap(value) ? {} : structuredClone(value);
  if (Array.isArray(value)) return pickItems(value, fields);
  if (!isMap(value)) return structuredClone(value);
  const out: Record<string, Json> = {};
  for (const k of keys) {
    if (!k.startsWith('f:')) continue;
    const name = k.slice(2);
    if (!(name in value)) continue;
    out[name] = pick(value[name], asFieldSet(fields[k]));
  }
  return out;
}

function pickItems(items: Json[], fields: FieldSet): Json[] {
  const entries = Object.entries(fields).map(([k, sub]) => ({ kind: k.slice(0, 2), id: k.slice(2), sub: asFieldSet(sub) }));
  const out: Json[] = [];
  // Walk the live list, so items keep their order.
  items.forEach((item, index) => {
    for (const e of entries) {
      if (e.kind === 'k:') {
        const key = parseJson(e.id);
        if (!isMap(key) || !isMap(item) || !Object.entries(key).every(([kk, kv]) => deepEqual(item[kk], kv))) continue;
        const picked = pick(item, e.sub);
        // The key fields identify the item in the applied list; always send them.
        out.push(isMap(picked) ? { ...key, ...picked } : picked);
        return;
      }
      if ((e.kind === 'v:' && deepEqual(item, parseJson(e.id))) || (e.kind === 'i:' && Number(e.id) === index)) {
        out.push(pick(item, e.sub));
        return;
      }
    }
  });
  return out;
}

/** Merges two extracts of the same object (a manager may own fields under several API versions). */
function mergeInto(target: Record<string, Json>, src: Record<string, Json>): void {
  for (const [k, v] of Object.entries(src)) {
    const cur = target[k];
    if (isMap(cur) && isMap(v)) mergeInto(cur, v);
    else if (cur === undefined) target[k] = v;
  }
}

function asFieldSet(v: unknown): FieldSet {
  return isMap(v) ? v : {};
}

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(s: string): Json {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
