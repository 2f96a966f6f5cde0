// Scalars of the wrong type in a built-in object, as the API server finds them.
// A YAML 1.1 `enabled: yes` reaches the server as a boolean where a ConfigMap
// holds strings; the server refuses it in the words of whichever decoder met
// it first:
//   create, update, patch (Go's encoding/json into the kind's struct), 400:
//     ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot
//     unmarshal bool into Go struct field ConfigMap.data of type string
//   server-side apply (structured-merge-diff typing the applied object), 500:
//     failed to create typed patch object (default/flags; /v1, Kind=ConfigMap):
//     .data.enabled: expected string, got &value.valueUnstructured{Value:true}
import { schemasOfClass, resolveSchema } from './unknown-fields.js';
import { builtinClass, type JsonSchema } from './openapi-schemas.js';
import type { ResourceType } from './types.js';

export interface Mistyped {
  /** structured-merge-diff's path: `.spec.template.spec.containers[name="web"].image`. */
  path: string;
  /** Go's decoding context: the innermost struct's type and the struct fields from the root. */
  goStruct: string;
  goField: string;
  expected: 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  value: unknown;
}

/**
 * Fields whose Go type is resource.Quantity: their schema says string (the
 * client models lose the format), but a number is a valid quantity.
 */
const QUANTITY_FIELDS = new Set([
  'ResourceRequirements.limits', 'ResourceRequirements.requests', 'VolumeResourceRequirements.limits', 'VolumeResourceRequirements.requests',
  'ResourceQuotaSpec.hard', 'ResourceQuotaStatus.hard', 'ResourceQuotaStatus.used', 'LimitRangeItem.max', 'LimitRangeItem.min',
  'LimitRangeItem.default', 'LimitRangeItem.defaultRequest', 'LimitRangeItem.maxLimitRequestRatio', 'PodSpec.overhead',
  'EmptyDirVolumeSource.sizeLimit', 'PersistentVolumeSpec.capacity', 'PersistentVolumeClaimStatus.capacity',
  'PersistentVolumeClaimStatus.allocatedResources', 'NodeStatus.capacity', 'NodeStatus.allocatable', 'ContainerStatus.allocatedResources',
]);

/** The wrongly typed scalars of a built-in object, in document order; none for custom resources. */
export function mistypedScalars(res: ResourceType, obj: unknown): Mistyped[] {
  const cls = builtinClass(res);
  if (!cls) return [];
  const { root, definitions } = schemasOfClass(cls);
  const out: Mistyped[] = [];
  walk(obj, root, { defs: definitions, path: '', goStruct: res.kind, goField: [] }, out);
  return out;
}

interface Context {
  defs: Record<string, JsonSchema>;
  path: string;
  goStruct: string;
  goField: string[];
}

function walk(value: unknown, schema: JsonSchema, ctx: Context, out: Mistyped[]): void {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  const s = resolveSchema(schema, ctx.defs);
  if (!s || value === null || value === undefined) return;
  const here = ref ? { ...ctx, goStruct: ref.slice(ref.lastIndexOf('.') + 1) } : ctx;
  if (s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.type === 'boolean') {
    if (!fits(value, s)) out.push({ path: here.path, goStruct: here.goStruct, goField: here.goField.join('.'), expected: s.type, format: s.format, value });
    return;
  }
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(v, s.items!, { ...here, path: here.path + itemPath(s, v, i) }, out));
    return;
  }
  if (typeof value !== 'object' || s['x-kubernetes-preserve-unknown-fields'] === true) return;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [key, v] of Object.entries(value)) {
    const declared = s.properties?.[key];
    if (declared) {
      if (QUANTITY_FIELDS.has(`${here.goStruct}.${key}`)) continue;
      walk(v, declared, { ...here, path: `${here.path}.${key}`, goField: [...here.goField, key] }, out);
    } else if (additional && !s.properties) {
      // A map's entries: Go names the map field, not the key.
      walk(v, additional, { ...here, path: `${here.path}.${key}` }, out);
    }
  }
}

function fits(value: unknown, s: JsonSchema): boolean {
  if (s['x-kubernetes-int-or-string'] === true) return typeof value === 'string' || typeof value === 'number';
  switch (s.type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return typeof value === 'number';
  }
}

/**
 * A list item's path element: its keys for a map-typed list, its value for a
 * set, else its index. A list with a patch merge strategy and no list type is
 * typed by its merge key, as kube-openapi converts it for structured-merge-diff.
 */
function itemPath(s: JsonSchema, item: unknown, index: number): string {
  const merges = String(s['x-kubernetes-patch-strategy'] ?? '').split(',').includes('merge');
  const mergeKey = s['x-kubernetes-patch-merge-key'] as string | undefined;
  const listType = s['x-kubernetes-list-type'] ?? (merges ? (mergeKey ? 'map' : 'set') : 'atomic');
  const keys = (s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? (mergeKey ? [mergeKey] : undefined);
  if (listType === 'map' && keys && item && typeof item === 'object') {
    const rec = item as Record<string, unknown>;
    return `[${keys.filter((k) => rec[k] !== undefined).map((k) => `${k}=${JSON.stringify(rec[k])}`).join(',')}]`;
  }
  if (listType === 'set') return `[=${JSON.stringify(item)}]`;
  return `[${index}]`;
}

/** structured-merge-diff's words for one wrongly typed scalar. */
export function typedMessage(m: Mistyped): string {
  const go = typeof m.value === 'string' ? JSON.stringify(m.value) : String(m.value);
  const got =
    m.expected === 'string'
      ? `expected string, got &value.valueUnstructured{Value:${go}}`
      : m.expected === 'boolean'
        ? `expected boolean, got &{${String(m.value)}}`
        : `expected numeric (int or float), got ${typeof m.value === 'boolean' ? 'bool' : typeof m.value === 'string' ? 'string' : 'map[string]interface {}'}`;
  return `${m.path}: ${got}`;
}

/** Go encoding/json's words for the first wrongly typed scalar. */
export function decodeMessage(m: Mistyped): string {
  const kind = typeof m.value === 'boolean' ? 'bool' : typeof m.value === 'number' ? 'number' : typeof m.value === 'string' ? 'string' : Array.isArray(m.value) ? 'array' : 'object';
  const goType =
    m.expected === 'string' ? 'string' : m.expected === 'boolean' ? 'bool' : m.expected === 'number' ? 'float64' : m.format === 'int32' ? 'int32' : 'int64';
  const field = m.goField ? `${m.goStruct}.${m.goField}` : m.goStruct;
  return `json: cannot unmarshal ${kind} into Go struct field ${field} of type ${goType}`;
}
