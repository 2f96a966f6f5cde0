// The type information the patch and apply algorithms need, and nothing more:
// which objects are structs (named fields) and which are maps (free keys),
// which lists are sets or maps keyed by fields, what is atomic, and the
// strategic-merge-patch tags of the Go types. Built-in kinds are described in
// builtin-schemas.ts, CRDs are read from their openAPIV3Schema (crd-schema.ts).

/** Strategic merge patch tags of a field (`patchStrategy` / `patchMergeKey` in the Go types). */
export interface PatchMeta {
  /** 'merge' merges lists (by `mergeKey` for lists of objects); 'retainKeys' clears fields the patch does not name. */
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  mergeKey?: string;
}

export interface ScalarSchema {
  type: 'scalar';
  patch?: PatchMeta;
}

/** An object with declared fields; undeclared fields are typed by `other` (untyped when absent). */
export interface StructSchema {
  type: 'struct';
  fields: Record<string, Schema>;
  other?: Schema;
  /** `+structType=atomic` / `x-kubernetes-map-type: atomic`: owned and replaced as a whole. */
  atomic?: boolean;
  /** A non-pointer Go struct: present (as `{}`) in its parent's zero value. */
  always?: boolean;
  /** Fields the Go zero value of this struct serializes anyway (slices without omitempty are `null`). */
  zero?: Record<string, unknown>;
  patch?: PatchMeta;
}

/** An object with free keys (labels, data, resources.limits). */
export interface MapSchema {
  type: 'map';
  values: Schema;
  atomic?: boolean;
  patch?: PatchMeta;
}

export interface ListSchema {
  type: 'list';
  /** x-kubernetes-list-type; lists without one are atomic. */
  listType: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys, for listType 'map'. */
  keys?: string[];
  /** Defaults of key fields, used when an item omits them (Container ports: protocol TCP). */
  keyDefaults?: Record<string, unknown>;
  items: Schema;
  patch?: PatchMeta;
}

/**
 * A value whose type is not known (x-kubernetes-preserve-unknown-fields, fields
 * a built-in schema does not describe): objects are maps of untyped values and
 * lists are atomic, as structured-merge-diff deduces them.
 */
export interface UntypedSchema {
  type: 'untyped';
  patch?: PatchMeta;
}

export type Schema = ScalarSchema | StructSchema | MapSchema | ListSchema | UntypedSchema;

export interface TypeSchema {
  root: StructSchema;
  /** False for custom resources: the API server answers a strategic merge patch with 415. */
  strategicSupported: boolean;
  /** The kind has a status subresource: writes to the main resource neither set nor own .status. */
  statusSubresource: boolean;
}

export const UNTYPED: UntypedSchema = { type: 'untyped' };
export const SCALAR: ScalarSchema = { type: 'scalar' };

/**
 * The type of fields a built-in schema does not spell out: objects are structs
 * (their fields are not members on their own), lists are atomic.
 */
export const LOOSE: StructSchema = { type: 'struct', fields: {} };
LOOSE.other = LOOSE;

/** The schema of field `name` of an object typed by `schema`. */
export function fieldSchema(schema: Schema, name: string): Schema {
  switch (schema.type) {
    case 'struct':
      return (Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined) ?? schema.other ?? UNTYPED;
    case 'map':
      return schema.values;
    default:
      return UNTYPED;
  }
}

/** The schema of the items of a list typed by `schema`. */
export function itemSchema(schema: Schema): Schema {
  return schema.type === 'list' ? schema.items : UNTYPED;
}
