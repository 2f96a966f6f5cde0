// metadata.managedFields in memory: one field set per manager identity, with
// the encoding, ordering and field stripping the API server applies.
import type { ManagedFieldsEntry } from '../types.js';
import { PatchError } from './errors.js';
import { FieldSet, fieldElement, fromFieldsV1, toFieldsV1 } from './fieldset.js';

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/**
 * The identity under which a manager's fields are tracked: appliers are one
 * entry whatever API version they use, updaters one entry per API version.
 */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): Map<string, Manager> {
  const out = new Map<string, Manager>();
  for (const e of entries ?? []) {
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      throw new PatchError(`metadata.managedFields: operation must be Apply or Update, got ${JSON.stringify(e.operation)}`, 400);
    }
    if (e.fieldsType !== 'FieldsV1') throw new PatchError(`metadata.managedFields: unsupported fieldsType ${JSON.stringify(e.fieldsType)}`, 400);
    const m: Manager = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, set: fromFieldsV1(e.fieldsV1 ?? {}) };
    if (e.subresource) m.subresource = e.subresource;
    if (e.time) m.time = e.time;
    out.set(managerId(m), m);
  }
  return out;
}

/** Entries sorted as the API server writes them: Apply before Update, then by time, manager, version, subresource. */
export function encodeManagedFields(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const sorted = [...managers]
    .filter((m) => !m.set.empty())
    .sort(
      (a, b) =>
        cmp(a.operation, b.operation) ||
        cmp(seconds(a.time), seconds(b.time)) ||
        cmp(a.manager, b.manager) ||
        cmp(a.apiVersion, b.apiVersion) ||
        cmp(a.subresource ?? '', b.subresource ?? ''),
    );
  // Keys in the order of the Go type, as the API server serializes them.
  return sorted.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time && { time: m.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(m.set),
    ...(m.subresource && { subresource: m.subresource }),
  }));
}

/** A manager as the API server names it in conflict messages (updaters with their API version). */
export function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** At most this many Update entries are kept; older ones merge into one entry per API version. */
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Keeps the number of Update entries under the API server's cap: oldest first,
 * the entries of one API version merge into an "ancient-changes" entry, so that
 * objects touched by many writers keep a bounded managedFields.
 */
export function capUpdateManagers(managers: Map<string, Manager>): void {
  const updaters = [...managers].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ida, a], [idb, b]) => cmp(seconds(a.time), seconds(b.time)) || cmp(ida, idb));
  const firstOfVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [id, m] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    const bucketId = managerId({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion });
    let bucket = managers.get(bucketId);
    if (!bucket) {
      // The bucket starts as the version's oldest entry, renamed.
      bucket = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, set: managers.get(first)!.set };
      managers.delete(first);
      managers.set(bucketId, bucket);
    }
    bucket.set = bucket.set.union(m.set);
    if (m.time) bucket.time = m.time;
    managers.delete(id);
    count--;
  }
}

function seconds(time: string | undefined): number {
  return time ? Math.floor(Date.parse(time) / 1000) : 0;
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fields the API server sets itself, which no manager owns. */
const SERVER_FIELDS = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [
    fieldElement('metadata'),
    fieldElement(f),
  ]),
);

export function stripServerFields(set: FieldSet): FieldSet {
  return set.difference(SERVER_FIELDS);
}

/** `managedFields: []` or `[{}]` in a write asks the server to drop all tracking. */
export function isResetRequest(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  return entries.length === 0 || (entries.length === 1 && typeof entries[0] === 'object' && entries[0] !== null && Object.keys(entries[0]).length === 0);
}
