// Schema-aware walks over objects, as structured-merge-diff performs them:
// the set of fields a value sets, the difference between two values, the
// merge of an applied configuration into a live object, and the removal of
// fields. Structs, free-key maps, keyed lists and sets are walked item by
// item; atomic values (and empty ones) are single leaves.
import { PatchError } from './errors.js';
import { FieldSet, fieldElement, keyElement, valueElement, pathString, type Path, type PathElement } from './fieldset.js';
import { deepEqual, isObject, own, setField } from './json.js';
import { LOOSE, fieldSchema, itemSchema, type ListSchema, type Schema } from './schema.js';

type Shape = 'leaf' | 'object' | 'list';

/** How values typed by `schema` are walked; a value of the wrong shape is a leaf. */
function shapeOf(schema: Schema, ...values: unknown[]): Shape {
  const present = values.filter((v) => v !== undefined && v !== null);
  switch (schema.type) {
    case 'struct':
    case 'map':
      return !schema.atomic && present.every(isObject) ? 'object' : 'leaf';
    case 'list':
      return schema.listType !== 'atomic' && present.every(Array.isArray) ? 'list' : 'leaf';
    case 'untyped':
      return present.length > 0 && present.every(isObject) ? 'object' : 'leaf';
    case 'scalar':
      return 'leaf';
  }
}

/**
 * Whether `key` is a named field of a struct (rather than an entry of a map):
 * map entries are members of a field set on their own, struct fields only
 * through what they contain.
 */
export function isNamedField(schema: Schema, key: string): boolean {
  return schema.type === 'struct' && (Object.hasOwn(schema.fields, key) || schema.other === LOOSE);
}

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return v === undefined || v === null;
}

// --- list items -----------------------------------------------------------

/** The path element of a list item: its key fields for a map-typed list, its value for a set. */
export function itemElement(schema: ListSchema, item: unknown, index: number, at: Path): PathElement {
  if (schema.listType === 'set') {
    if (isObject(item) || Array.isArray(item)) {
      throw new PatchError(`${pathString(at)}: element ${index}: expected a scalar in a set, got ${JSON.stringify(item)}`);
    }
    return valueElement(item);
  }
  if (!isObject(item)) throw new PatchError(`${pathString(at)}: element ${index}: expected an object, got ${JSON.stringify(item)}`);
  const fields: [string, unknown][] = [];
  for (const key of schema.keys ?? []) {
    const value = item[key] ?? schema.keyDefaults?.[key];
    if (value === undefined || value === null) {
      throw new PatchError(
        `${pathString(at)}: element ${index}: associative list with keys has an element that omits key field "${key}" (and doesn't have default value)`,
      );
    }
    fields.push([key, value]);
  }
  return keyElement(fields);
}

interface IndexedItems {
  order: PathElement[];
  items: Map<PathElement, unknown>;
}

function indexItems(schema: ListSchema, list: unknown[], at: Path, rejectDuplicates: boolean): IndexedItems {
  const order: PathElement[] = [];
  const items = new Map<PathElement, unknown>();
  list.forEach((item, i) => {
    const pe = itemElement(schema, item, i, at);
    if (items.has(pe)) {
      if (rejectDuplicates) throw new PatchError(`${pathString(at)}: duplicate entries for key ${pathString([pe])}`);
      return;
    }
    items.set(pe, item);
    order.push(pe);
  });
  return { order, items };
}

// --- the set of fields a value sets ---------------------------------------

export function toFieldSet(value: unknown, schema: Schema): FieldSet {
  const set = new FieldSet();
  collect(value, schema, [], set);
  return set;
}

function collect(value: unknown, schema: Schema, path: Path, set: FieldSet): void {
  switch (shapeOf(schema, value)) {
    case 'leaf':
      set.insert(path);
      return;
    case 'object': {
      if (!isObject(value)) return;
      for (const [key, child] of Object.entries(value)) {
        const at = [...path, fieldElement(key)];
        collect(child, fieldSchema(schema, key), at, set);
        if (child === null || (isObject(child) && isEmpty(child)) || !isNamedField(schema, key)) set.insert(at);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return;
      const list = schema as ListSchema;
      value.forEach((item, i) => {
        const at = [...path, itemElement(list, item, i, path)];
        collect(item, list.items, at, set);
        set.insert(at);
      });
      return;
    }
  }
}

// --- comparison -------------------------------------------------------------

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compare(lhs: unknown, rhs: unknown, schema: Schema): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(lhs, rhs, schema, [], c);
  return c;
}

function compareAt(lhs: unknown, rhs: unknown, schema: Schema, path: Path, c: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const shape = shapeOf(schema, lhs, rhs);
  // Empty containers on both sides compare as leaves, which keeps {} apart from absent.
  if (shape === 'leaf' || (isEmpty(lhs) && isEmpty(rhs))) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!deepEqual(lhs, rhs)) c.modified.insert(path);
    return;
  }
  if (shape === 'object') {
    const l = isObject(lhs) ? lhs : {};
    const r = isObject(rhs) ? rhs : {};
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      compareAt(own(l, key), own(r, key), fieldSchema(schema, key), [...path, fieldElement(key)], c);
    }
  } else {
    const list = schema as ListSchema;
    const l = indexItems(list, Array.isArray(lhs) ? lhs : [], path, false);
    const r = indexItems(list, Array.isArray(rhs) ? rhs : [], path, false);
    for (const pe of new Set([...l.order, ...r.order])) {
      compareAt(l.items.get(pe), r.items.get(pe), list.items, [...path, pe], c);
    }
  }
  // A container that appears or disappears is itself added or removed.
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
}

// --- merge --------------------------------------------------------------------

/** Merges `rhs` (an applied configuration) into `lhs`: rhs wins on leaves, containers merge item by item. */
export function merge(lhs: unknown, rhs: unknown, schema: Schema, path: Path = []): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) {
    // Still walk rhs, so that malformed keyed lists are reported.
    if (shapeOf(schema, rhs) !== 'leaf') validateKeys(rhs, schema, path);
    return structuredClone(rhs);
  }
  const shape = shapeOf(schema, lhs, rhs);
  if (shape === 'leaf' || (isEmpty(lhs) && isEmpty(rhs))) return structuredClone(rhs);
  if (shape === 'object') {
    if (!isObject(rhs)) return lhs;
    const l = isObject(lhs) ? lhs : {};
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(l), ...Object.keys(rhs)])) {
      const v = merge(own(l, key), own(rhs, key), fieldSchema(schema, key), [...path, fieldElement(key)]);
      if (v !== undefined) setField(out, key, v);
    }
    return out;
  }
  if (!Array.isArray(rhs)) return lhs;
  return mergeList(Array.isArray(lhs) ? lhs : [], rhs, schema as ListSchema, path);
}

function validateKeys(value: unknown, schema: Schema, path: Path): void {
  if (shapeOf(schema, value) === 'object' && isObject(value)) {
    for (const [k, v] of Object.entries(value)) validateKeys(v, fieldSchema(schema, k), [...path, fieldElement(k)]);
  } else if (shapeOf(schema, value) === 'list' && Array.isArray(value)) {
    const list = schema as ListSchema;
    const { order, items } = indexItems(list, value, path, true);
    for (const pe of order) validateKeys(items.get(pe), list.items, [...path, pe]);
  }
}

/**
 * Merges keyed list items. Items only in lhs keep their place; items in rhs
 * come in rhs order, so that an applier that reorders its items gets its order,
 * while items other managers added stay where they were.
 */
function mergeList(lhs: unknown[], rhs: unknown[], schema: ListSchema, path: Path): unknown[] {
  const l = indexItems(schema, lhs, path, false);
  const r = indexItems(schema, rhs, path, true);
  const shared = r.order.filter((pe) => l.items.has(pe));
  let nextShared = 0;
  const done = new Set<PathElement>();
  const out: unknown[] = [];
  const take = (pe: PathElement) => {
    out.push(merge(l.items.get(pe), r.items.get(pe), schema.items, [...path, pe]));
    done.add(pe);
  };
  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    const lpe = l.order[li];
    const rpe = r.order[ri];
    if (lpe !== undefined && rpe !== undefined) {
      if (lpe === rpe) {
        take(lpe);
        li++;
        ri++;
        nextShared++;
        continue;
      }
      // A shared item that rhs wants later: leave it for its rhs turn.
      if (r.items.has(lpe) && shared[nextShared] !== undefined && shared[nextShared] !== lpe) {
        li++;
        continue;
      }
    }
    if (lpe !== undefined) {
      if (!r.items.has(lpe)) {
        out.push(l.items.get(lpe));
        li++;
        continue;
      }
      if (done.has(lpe)) {
        li++;
        continue;
      }
    }
    if (rpe !== undefined) {
      take(rpe);
      ri++;
      if (shared[nextShared] === rpe) nextShared++;
    }
  }
  return out;
}

// --- removal --------------------------------------------------------------------

/** Removes every member of `set` (with everything below it) from `value`. */
export function removeItems(value: unknown, set: FieldSet, schema: Schema, path: Path = []): unknown {
  const shape = shapeOf(schema, value);
  if (shape === 'object' && isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = fieldElement(key);
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      const v = sub ? removeItems(child, sub, fieldSchema(schema, key), [...path, pe]) : child;
      // A container emptied by the removal goes too, as an omitempty field of a Go type would.
      if (sub && !isEmpty(child) && isEmpty(v) && v !== null) continue;
      setField(out, key, v);
    }
    return out;
  }
  if (shape === 'list' && Array.isArray(value)) {
    const list = schema as ListSchema;
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = itemElement(list, item, i, path);
      if (set.members.has(pe)) return;
      const sub = set.children.get(pe);
      out.push(sub ? removeItems(item, sub, list.items, [...path, pe]) : item);
    });
    return out;
  }
  return value;
}

/** Adds as members the named struct fields that have members below them. */
export function ensureNamedFieldsAreMembers(set: FieldSet, schema: Schema): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, child] of set.children) {
    let childSchema: Schema;
    if (pe.startsWith('f:')) {
      const name = pe.slice(2);
      childSchema = fieldSchema(schema, name);
      if (isNamedField(schema, name)) out.members.add(pe);
    } else {
      childSchema = itemSchema(schema);
    }
    out.children.set(pe, ensureNamedFieldsAreMembers(child, childSchema));
  }
  return out;
}
