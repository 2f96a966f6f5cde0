// Unknown fields, as the API server's strict decoding finds them: what
// `fieldValidation=Strict` (kubectl's default) rejects and `Warn` warns about.
//
// For the write path:
//   const unknown = unknownFields(res, obj, crdSchema);  // ['spec.foo', 'spec.template.spec.containers[0].bar']
//   Strict: 400 BadRequest, message
//     `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ` +
//     unknown.map((p) => `unknown field "${p}"`).join(', ')
//   Warn: one `Warning: 299 - "unknown field \"<path>\""` header per path.
// `crdSchema` is the custom resource's openAPIV3Schema; built-in kinds need none.
import { addClassSchemas, builtinClass, type JsonSchema } from './openapi-schemas.js';
import type { ResourceType } from './types.js';

const REF = '#/components/schemas/';

/** Paths of the fields of `obj` its kind's schema does not declare, in document order. */
export function unknownFields(res: ResourceType, obj: unknown, crdSchema?: JsonSchema): string[] {
  const out: string[] = [];
  const builtin = builtinSchemas(res);
  if (builtin) {
    walk(obj, builtin.root, builtin.definitions, '', out);
  } else {
    // apiVersion, kind and metadata are the server's, whatever the CRD says.
    const { apiVersion, kind, metadata, ...rest } = isRecord(obj) ? obj : {};
    void apiVersion;
    void kind;
    const meta = schemasOfClass('V1ObjectMeta');
    if (metadata !== undefined) walk(metadata, meta.root, meta.definitions, 'metadata', out);
    if (crdSchema) walk(rest, crdSchema, {}, '', out);
  }
  return out;
}

export interface Schemas {
  root: JsonSchema;
  definitions: Record<string, JsonSchema>;
}

const cache = new Map<string, Schemas>();

export function schemasOfClass(cls: string): Schemas {
  let s = cache.get(cls);
  if (!s) {
    const definitions: Record<string, JsonSchema> = {};
    const name = addClassSchemas(cls, definitions, REF);
    s = { root: definitions[name]!, definitions };
    cache.set(cls, s);
  }
  return s;
}

function builtinSchemas(res: ResourceType): Schemas | undefined {
  const cls = builtinClass(res);
  return cls ? schemasOfClass(cls) : undefined;
}

function walk(value: unknown, schema: JsonSchema, defs: Record<string, JsonSchema>, path: string, out: string[]): void {
  const s = resolveSchema(schema, defs);
  if (!s || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(v, s.items!, defs, `${path}[${i}]`, out));
    return;
  }
  if (!isRecord(value)) return;
  const props = s.properties;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties === true;
  if (!props && !additional) return; // free-form object: RawExtension, JSON, preserved fields
  for (const [key, v] of Object.entries(value)) {
    const child = path === '' ? key : `${path}.${key}`;
    const declared = props?.[key];
    if (declared) walk(v, declared, defs, child, out);
    else if (additional) walk(v, additional, defs, child, out);
    else if (!preserve) out.push(child);
  }
}

/** The schema itself, or the definition its $ref (or single allOf $ref) names. */
export function resolveSchema(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema | undefined {
  let s: JsonSchema | undefined = schema;
  for (let i = 0; s && i < 8; i++) {
    const ref: string | undefined = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]!.$ref : undefined);
    if (!ref) return s;
    s = defs[ref.slice(REF.length)];
  }
  return s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
