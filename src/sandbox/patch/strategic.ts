// Strategic merge patch, as the API server applies it to built-in kinds (what
// kubectl apply, edit, patch, set image and rollout restart send). Maps merge
// and null deletes; lists whose field is tagged patchStrategy=merge merge by
// their patchMergeKey (or as sets of scalars), other lists are replaced. The
// directives: $patch (replace | delete | merge), $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list>. Item order
// follows the apimachinery algorithm: patch items in patch (or
// $setElementOrder) order, interleaved with the items only the server has.
import type { KubeObject } from '../types.js';
import { PatchError } from './errors.js';
import { isObject, setField } from './json.js';
import { fieldSchema, itemSchema, type Schema, type TypeSchema } from './schema.js';

type JsonMap = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

export function strategicMergePatch(target: KubeObject, patch: Record<string, unknown>, schema: TypeSchema): KubeObject {
  if (!schema.strategicSupported) {
    throw new PatchError(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      415,
    );
  }
  if (!isObject(patch)) throw new PatchError('invalid JSON document', 400);
  return mergeMap(structuredClone(target) as JsonMap, structuredClone(patch), schema.root) as KubeObject;
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, schema: Schema): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return mergeMap(undefined, patch, schema);
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw mergeError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
    delete patch[DIRECTIVE];
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applyElementOrders(out, patch, schema);
  for (const [k, patchValue] of Object.entries(patch)) {
    const isDeleteList = k.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = isDeleteList ? k.slice(DELETE_FROM_PRIMITIVE_LIST.length) : k;
    if (patchValue === null) {
      delete out[key];
      continue;
    }
    const field = fieldSchema(schema, key);
    if (!Object.hasOwn(out, key)) {
      // A deletion list for a list the object does not have deletes nothing.
      if (!isDeleteList) setField(out, key, fresh(patchValue, field));
      continue;
    }
    setField(out, key, mergeValue(out[key], patchValue, field, isDeleteList));
  }
  return out;
}

function mergeValue(original: unknown, patch: unknown, schema: Schema, isDeleteList = false): unknown {
  if (isObject(original) && isObject(patch)) {
    return schema.patch?.strategy === 'replace' ? fresh(patch, schema) : mergeMap(original, patch, schema);
  }
  if (Array.isArray(original) && Array.isArray(patch)) return mergeListField(original, patch, schema, isDeleteList);
  return fresh(patch, schema);
}

function mergeListField(original: unknown[], patch: unknown[], schema: Schema, isDeleteList: boolean): unknown[] {
  const strategy = schema.patch?.strategy ?? '';
  if (!strategy.split(',').includes('merge')) return fresh(patch, schema) as unknown[];
  return mergeList(original, patch, schema, isDeleteList);
}

/** A patch value for a field the object does not have: directives resolved, nulls dropped. */
function fresh(value: unknown, schema: Schema): unknown {
  if (isObject(value)) return mergeMap(undefined, value, schema);
  if (Array.isArray(value)) {
    const items = itemSchema(schema);
    // Directive items (`$patch: delete` / `replace`) have nothing to act on in a list that is new.
    return value.filter((v) => !(isObject(v) && Object.hasOwn(v, DIRECTIVE))).map((v) => (isObject(v) ? mergeMap(undefined, v, items) : v));
  }
  return value;
}

// --- lists ----------------------------------------------------------------

type ItemKind = 'map' | 'scalar';

function itemKind(...lists: unknown[][]): ItemKind | undefined {
  let kind: ItemKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) throw new PatchError('lists of lists are not supported', 422);
      const k: ItemKind = isObject(v) ? 'map' : 'scalar';
      if (kind && kind !== k) throw mergeError(`list element types are not identical: ${goFormat(lists)}`);
      kind = k;
    }
  }
  return kind;
}

function mergeList(original: unknown[], patch: unknown[], schema: Schema, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = itemKind(original, patch);
  const mergeKey = kind === 'map' ? schema.patch?.mergeKey : undefined;
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw mergeError('cannot merge lists without merge key for type map');
    [original, patch] = applyItemDirectives(original, patch, mergeKey);
    merged = mergeItems(original, patch, mergeKey, itemSchema(schema));
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeOrder(patchItems, serverOnly, patch, original, mergeKey);
}

/** Applies `$patch: delete` and `$patch: replace` items; returns the new original and the plain patch items. */
function applyItemDirectives(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const m = item as JsonMap;
    if (!Object.hasOwn(m, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    switch (m[DIRECTIVE]) {
      case 'delete':
        if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
        original = original.filter((o) => !isObject(o) || o[mergeKey] !== m[mergeKey]);
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw mergeError('merging lists cannot yet be specified in the patch');
      default:
        throw mergeError(`unknown patch type: ${goFormat(m[DIRECTIVE])} in map: ${goFormat(m)}`);
    }
  }
  return replace ? [plain, []] : [original, plain];
}

function mergeItems(original: unknown[], patch: unknown[], mergeKey: string, items: Schema): unknown[] {
  const out = [...original];
  for (const item of patch) {
    const m = item as JsonMap;
    if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
    const at = out.findIndex((o) => isObject(o) && o[mergeKey] === m[mergeKey]);
    if (at >= 0) out[at] = mergeMap(out[at] as JsonMap, m, items);
    else out.push(fresh(m, items));
  }
  return out;
}

/**
 * A patch that cannot be merged. apimachinery reports these as plain errors,
 * which the API server answers with 500 and no reason ("Error from server: ...").
 */
function mergeError(message: string): PatchError {
  return new PatchError(message, 500);
}

function noMergeKey(m: JsonMap, mergeKey: string): PatchError {
  return mergeError(`map: ${goFormat(m)} does not contain declared merge key: ${mergeKey}`);
}

/** Splits `list` into the items present in `by` (by merge key, or value for scalars) and the others. */
function partition(list: unknown[], by: unknown[], mergeKey: string | undefined): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const others: unknown[] = [];
  for (const v of list) (indexOf(by, v, mergeKey) >= 0 ? inBy : others).push(v);
  return [inBy, others];
}

function indexOf(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  const key = (v: unknown) => (mergeKey === undefined ? v : isObject(v) ? v[mergeKey] : undefined);
  const wanted = key(item);
  return list.findIndex((v) => key(v) === wanted);
}

/**
 * Sorts the patch items by `patchOrder` and the server-only items by
 * `serverOrder`, then interleaves them: a server-only item goes before a
 * patch item only when the live list had it first.
 */
function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey);
      const ri = indexOf(serverOrder, right[j], mergeKey);
      out.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return out;
}

// An insertion sort with apimachinery's comparison, where an item missing from
// `order` sorts before its neighbour; stable, like Go's sort.SliceStable.
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  if (mergeKey !== undefined) {
    for (const v of [...items, ...order]) {
      if (!isObject(v)) throw mergeError(`expected a map, but received a ${typeof v}`);
      if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    }
  }
  const out = [...items];
  const less = (a: unknown, b: unknown) => {
    const ia = indexOf(order, a, mergeKey);
    const ib = indexOf(order, b, mergeKey);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && less(out[j], out[j - 1]); j--) [out[j], out[j - 1]] = [out[j - 1], out[j]];
  }
  return out;
}

// --- map directives ----------------------------------------------------------

/** `$retainKeys: [...]` clears the fields of the original the list does not name. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw new PatchError('invalid patch format of retainKeys', 400);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retain.includes(k)) throw new PatchError('invalid patch format of retainKeys', 400);
  }
  for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
}

/** `$setElementOrder/<list>`: merges the list and puts its items in the given order. */
function applyElementOrders(original: JsonMap, patch: JsonMap, schema: Schema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const field = key.slice(SET_ELEMENT_ORDER.length);
    if (!Array.isArray(order) || field === '') throw new PatchError('invalid patch format of setElementOrder list', 400);
    const originalList = original[field];
    const patchList = patch[field];
    if (originalList !== undefined && !Array.isArray(originalList)) throw mergeError(`expected a []interface {}, but received a ${typeof originalList}`);
    if (patchList !== undefined && !Array.isArray(patchList)) throw mergeError(`expected a []interface {}, but received a ${typeof patchList}`);
    const fieldType = fieldSchema(schema, field);
    const mergeKey = itemKind(originalList ?? [], patchList ?? []) === 'map' ? fieldType.patch?.mergeKey : undefined;
    validateOrder(patchList ?? [], order, mergeKey);
    let merged: unknown[];
    if (originalList && patchList) merged = mergeListField(originalList, patchList, fieldType, false);
    else if (patchList) merged = fresh(patchList, fieldType) as unknown[];
    else if (originalList) merged = originalList;
    else continue;
    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    original[field] = normalizeOrder(patchItems, serverOnly, order, originalList ?? [], mergeKey);
    delete patch[field];
  }
}

/** The patch list's items must appear in the $setElementOrder list, in the same relative order. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = patchList.filter((v) => !(isObject(v) && Object.hasOwn(v, DIRECTIVE)));
  let p = 0;
  for (let o = 0; p < items.length && o < order.length; o++) {
    const a = items[p];
    const b = order[o];
    if (mergeKey !== undefined) {
      if (!isObject(a) || !Object.hasOwn(a, mergeKey)) throw noMergeKey(a as JsonMap, mergeKey);
      if (!isObject(b) || !Object.hasOwn(b, mergeKey)) throw noMergeKey(b as JsonMap, mergeKey);
      if (a[mergeKey] === b[mergeKey]) p++;
    } else if (a === b) p++;
  }
  if (p < items.length) {
    throw mergeError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match $setElementOrder list:\n${goFormat(order)}\n`);
  }
}

/** A value as Go's %v prints it, for messages worded like the API server's. */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}
