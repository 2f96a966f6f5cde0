// What "the same object" means when comparing the live object with the result
// of a dry-run apply: fields the server writes on its own (bookkeeping and
// status) are left out, so that only a change in what the manifests say counts.
import type { KubeObject } from '../kube/types.js';
import { REVISION_ANNOTATION } from './history.js';

const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'] as const;

/**
 * Annotations that say where an object came from, not what it is: an object
 * that differs only in them is unchanged, is not written, and keeps them.
 */
export const IGNORED_ANNOTATIONS: readonly string[] = [REVISION_ANNOTATION];

/** A deep copy without server bookkeeping, ignored annotations and status. */
export function comparable(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  for (const f of SERVER_METADATA) delete copy.metadata[f];
  const annotations = compared(copy.metadata.annotations);
  if (annotations === undefined) delete copy.metadata.annotations;
  else copy.metadata.annotations = annotations;
  delete copy.status;
  return copy;
}

/** comparable(a) deep-equals comparable(b), without copying either (plans compare every object). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  const ignoredMeta = new Set<string>(SERVER_METADATA);
  const keys = (o: Record<string, unknown>, skip: (k: string) => boolean) => Object.keys(o).filter((k) => !skip(k) && o[k] !== undefined);
  const top = (k: string) => k === 'status' || k === 'metadata';
  const ak = keys(a, top);
  if (ak.length !== keys(b, top).length || !ak.every((k) => deepEqual(a[k], b[k]))) return false;
  const am: Record<string, unknown> = { ...a.metadata, annotations: compared(a.metadata.annotations) };
  const bm: Record<string, unknown> = { ...b.metadata, annotations: compared(b.metadata.annotations) };
  const mk = keys(am, (k) => ignoredMeta.has(k));
  return mk.length === keys(bm, (k) => ignoredMeta.has(k)).length && mk.every((k) => deepEqual(am[k], bm[k]));
}

/** Annotations without the ignored ones; undefined when none are left. */
function compared(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  const kept = Object.entries(annotations).filter(([k]) => !IGNORED_ANNOTATIONS.includes(k));
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/** A deep copy without managedFields: what diffs show (kubectl diff hides them too). */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.metadata.managedFields;
  return copy;
}

/** Structural equality of JSON values; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}
