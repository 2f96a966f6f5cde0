// Objects as the API server's typed decoding sees them. A Go object always has
// its non-pointer structs (as `{}`) and its slices without omitempty (as null),
// so a write that "adds" spec.template is no change at all, while one that adds
// a container adds every field of it. Field ownership is computed on this view.
import { isObject, setField } from './json.js';
import { fieldSchema, type Schema, type StructSchema } from './schema.js';

/** `value` with the zero values of its Go type filled in where it has none. */
export function withZeroValues(value: unknown, schema: Schema): unknown {
  if (schema.type === 'list' && Array.isArray(value)) return value.map((v) => withZeroValues(v, schema.items));
  if (schema.type !== 'struct' || !isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setField(out, k, withZeroValues(v, fieldSchema(schema, k)));
  for (const [k, f] of Object.entries(schema.fields)) {
    if (f.type === 'struct' && f.always && !Object.hasOwn(out, k)) out[k] = zeroValue(f);
  }
  for (const [k, v] of Object.entries(schema.zero ?? {})) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}

function zeroValue(schema: StructSchema): Record<string, unknown> {
  return withZeroValues({}, schema) as Record<string, unknown>;
}
