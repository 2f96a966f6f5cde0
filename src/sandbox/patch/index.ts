// Patch and server-side apply algorithms of the sandbox API server: pure
// functions over objects and type schemas, no I/O.
export type { TypeSchema, Schema, StructSchema, MapSchema, ListSchema, ScalarSchema, UntypedSchema, PatchMeta } from './schema.js';
export { PatchError, ApplyConflictError, type FieldConflict } from './errors.js';
export { jsonMergePatch } from './merge-patch.js';
export { jsonPatch } from './json-patch.js';
export { strategicMergePatch } from './strategic.js';
export { schemaFor, type SchemaOptions } from './schemas.js';
export { serverSideApply, recordUpdate, type ApplyArgs, type UpdateArgs } from './apply.js';
