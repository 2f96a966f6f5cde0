// The app's inventory: which objects its last deploy applied, so --prune can
// delete exactly those that left the manifests and nothing else.
//
// It lives in the cluster, beside the app, as a ConfigMap `gdeploy.<app>` in
// the target namespace (kapp keeps its app record the same way). A ConfigMap
// because every cluster has it, RBAC for it is ordinary, `kubectl get cm`
// shows it, and it needs no CRD installed first; in the target namespace so
// that whoever may deploy the app may read and write its record.
//
// Keys of .data, each owned through server-side apply by one field manager so
// writers never erase each other's keys:
//   objects    (manager gdeploy)          JSON array of ObjectRef, sorted
//   revision   (manager gdeploy)          JSON Revision the objects came from
//   appliedAt  (manager gdeploy)          RFC 3339 time of the deploy
//   history    (manager gdeploy-history)  reserved for the revision history
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import { subjectOf } from '../kube/refs.js';
import { keyOf } from './changeset.js';
import { GdeployError, errorMessage } from './errors.js';
import { LABEL_MAX, dns1123Label } from './names.js';
import type { Revision } from './types.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'gdeploy';
export const APP_LABEL = 'gdeploy.dev/app';
export const INVENTORY_FIELD_MANAGER = 'gdeploy';
/** Field manager reserved for the `history` key of the inventory ConfigMap. */
export const HISTORY_FIELD_MANAGER = 'gdeploy-history';

export interface Inventory {
  app: string;
  namespace: string;
  objects: ObjectRef[];
  revision?: Revision;
  appliedAt?: string;
}

export function inventoryName(app: string): string {
  return `gdeploy.${app}`;
}

export function inventoryRef(app: string, namespace: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: inventoryName(app) };
}

/** Labels gdeploy puts on every object it applies. */
export function appLabels(app: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [APP_LABEL]: app };
}

/**
 * The app's inventory; undefined only when the cluster says there is none
 * (404). Any other failure (refused, server error) stops the caller: going on
 * as if there were none would forget the app's objects, so that a later prune
 * could never delete them, or would write a record that drops them.
 */
export async function readInventory(kube: Kube, app: string, namespace: string, signal?: AbortSignal): Promise<Inventory | undefined> {
  const ref = inventoryRef(app, namespace);
  let cm: KubeObject | undefined;
  try {
    cm = await kube.find(ref, { signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new GdeployError(`cannot read the inventory of app ${app} (${subjectOf(ref)}): ${errorMessage(err)}`, {
      hint: 'gdeploy neither applies nor prunes without knowing which objects the app has',
      cause: err,
    });
  }
  return cm ? inventoryFromConfigMap(cm, app, namespace) : undefined;
}

export async function writeInventory(kube: Kube, inv: Inventory, signal?: AbortSignal): Promise<void> {
  await kube.apply(inventoryConfigMap(inv), { fieldManager: INVENTORY_FIELD_MANAGER, force: true, signal });
}

export function inventoryConfigMap(inv: Inventory): KubeObject {
  const data: Record<string, string> = { objects: JSON.stringify(sortRefs(inv.objects)) };
  if (inv.revision) data.revision = JSON.stringify(inv.revision);
  if (inv.appliedAt) data.appliedAt = inv.appliedAt;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: inventoryName(inv.app), namespace: inv.namespace, labels: appLabels(inv.app) },
    data,
  };
}

export function inventoryFromConfigMap(cm: KubeObject, app: string, namespace: string): Inventory {
  const data = (cm.data ?? {}) as Record<string, string>;
  const inv: Inventory = { app, namespace, objects: parseObjects(data.objects, app, namespace) };
  const revision = parseJSON<Revision>(data.revision);
  if (revision) inv.revision = revision;
  if (data.appliedAt) inv.appliedAt = data.appliedAt;
  return inv;
}

/**
 * The `objects` key, strictly: an unreadable list cannot count as empty, or
 * the next deploy would record only its own objects and lose the rest.
 */
function parseObjects(text: string | undefined, app: string, namespace: string): ObjectRef[] {
  if (text === undefined || text === '') return [];
  const refs = parseJSON<unknown>(text);
  if (Array.isArray(refs) && refs.every(isObjectRef)) return refs;
  throw new GdeployError(`${subjectOf(inventoryRef(app, namespace))}: data.objects is not a JSON list of {apiVersion, kind, namespace, name}`, {
    hint: `repair it with \`kubectl edit configmap ${inventoryName(app)} -n ${namespace}\`, or remove the key if the app's objects are gone (gdeploy then forgets them)`,
  });
}

function isObjectRef(r: unknown): r is ObjectRef {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return (
    typeof o.apiVersion === 'string' &&
    typeof o.kind === 'string' &&
    typeof o.name === 'string' &&
    (o.namespace === undefined || typeof o.namespace === 'string')
  );
}

export function parseJSON<T>(s: string | undefined): T | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    // For keys whose loss costs only a record (revision, history): a hand-edited
    // one must not block deploys, so an unreadable one counts as empty.
    return undefined;
  }
}

export function sortRefs(refs: ObjectRef[]): ObjectRef[] {
  return [...refs].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/**
 * Refs in `a` or `b`, once each (by identity: group, kind, namespace, name).
 * Where both name an object, `b`'s entry wins: it carries the version the
 * object was last applied with.
 */
export function unionRefs(a: ObjectRef[], b: ObjectRef[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const r of [...a, ...b]) seen.set(keyOf(r), r);
  return [...seen.values()];
}

/** The same objects, recorded with the same versions. */
export function sameRefs(a: ObjectRef[], b: ObjectRef[]): boolean {
  if (a.length !== b.length) return false;
  const recorded = (r: ObjectRef): string => `${keyOf(r)}@${r.apiVersion}`;
  const keys = new Set(a.map(recorded));
  return b.every((r) => keys.has(recorded(r)));
}

/** At most this long, so that the inventory's name `gdeploy.<app>` is no longer than a label. */
const APP_NAME_MAX = LABEL_MAX - inventoryName('').length;

/** An app name must be a label value and part of object names: a DNS-1123 label. */
export function validateAppName(app: string): string | undefined {
  if (app.length > APP_NAME_MAX || dns1123Label(app) !== undefined) {
    return `invalid app name "${app}": use lower case letters, digits and '-', starting and ending with a letter or digit, at most ${APP_NAME_MAX} characters`;
  }
  return undefined;
}

/** The default app name: a directory name made into a valid one ('Hello_World' -> 'hello-world'). */
export function appNameFrom(dirName: string): string {
  const cleaned = dirName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, APP_NAME_MAX)
    .replace(/-+$/, '');
  return cleaned || 'default';
}
