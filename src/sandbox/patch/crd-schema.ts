// Type schemas of custom resources, read from the openAPIV3Schema of their CRD
// version: properties are struct fields, additionalProperties a map,
// x-kubernetes-preserve-unknown-fields leaves the rest untyped, and
// x-kubernetes-list-type / list-map-keys / map-type set merge semantics as they
// do for server-side apply.
import { OBJECT_META } from './builtin-schemas.js';
import { isObject } from './json.js';
import { SCALAR, UNTYPED, type ListSchema, type Schema, type StructSchema } from './schema.js';

export function crdRootSchema(openAPIV3Schema: unknown): StructSchema {
  const root = convert(openAPIV3Schema);
  const fields = root.type === 'struct' ? root.fields : {};
  return {
    type: 'struct',
    fields: { ...fields, apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META },
    other: root.type === 'struct' ? root.other : UNTYPED,
  };
}

function convert(node: unknown): Schema {
  if (!isObject(node)) return UNTYPED;
  const preserveUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = node.type;
  if (type === 'array') return convertList(node);
  const properties = isObject(node.properties) ? node.properties : undefined;
  if (type === 'object' || properties) {
    const atomic = node['x-kubernetes-map-type'] === 'atomic';
    if (!properties && isObject(node.additionalProperties)) {
      return { type: 'map', values: convert(node.additionalProperties), ...(atomic && { atomic }) };
    }
    if (!properties && (preserveUnknown || node.additionalProperties === true)) return UNTYPED;
    const fields: Record<string, Schema> = {};
    for (const [name, sub] of Object.entries(properties ?? {})) fields[name] = convert(sub);
    // Undeclared fields are pruned by the API server unless preserved, so only preserved ones reach here.
    return { type: 'struct', fields, other: UNTYPED, ...(atomic && { atomic }) };
  }
  if (type === undefined && preserveUnknown) return UNTYPED;
  return type === undefined ? UNTYPED : SCALAR;
}

function convertList(node: Record<string, unknown>): ListSchema {
  const items = convert(node.items);
  const listType = node['x-kubernetes-list-type'];
  if (listType === 'set') return { type: 'list', listType: 'set', items };
  if (listType === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
    const keys = node['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string');
    const keyDefaults: Record<string, unknown> = {};
    const props = isObject(node.items) && isObject(node.items.properties) ? node.items.properties : {};
    for (const k of keys) {
      const prop = props[k];
      if (isObject(prop) && prop.default !== undefined) keyDefaults[k] = prop.default;
    }
    return { type: 'list', listType: 'map', keys, items, ...(Object.keys(keyDefaults).length > 0 && { keyDefaults }) };
  }
  return { type: 'list', listType: 'atomic', items };
}
