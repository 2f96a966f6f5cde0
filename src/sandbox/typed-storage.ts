// What storing a built-in object does to it on a real API server, where it is
// decoded into its Go type and kept as protobuf: resource quantities come back
// in canonical form (see quantity.ts), and empty maps and lists are not kept —
// `data: {}`, `labels: {}`, `finalizers: []` read back as absent, as Go's
// omitempty leaves them out. Custom resources are stored as JSON and keep both.
// The field kinds come from the generated protobuf schema of each kind.
import { PROTO_MESSAGES } from './http/proto-schema.js';
import type { ProtoField } from './http/protobuf.js';
import { canonicalQuantity } from './quantity.js';
import type { KubeObject } from './types.js';

const REPEATED = 1;

/**
 * Lists whose Go field has no omitempty: an empty one is written back as
 * `null` rather than left out.
 */
const NOT_OMITEMPTY = new Set([
  'api.rbac.v1.ClusterRole.rules',
  'api.rbac.v1.Role.rules',
  'api.rbac.v1.PolicyRule.verbs',
  'api.discovery.v1.EndpointSlice.endpoints',
  'api.networking.v1.HTTPIngressRuleValue.paths',
  'api.core.v1.NodeSelector.nodeSelectorTerms',
  'api.core.v1.PodSpec.containers',
]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The protobuf message of a built-in kind (api.apps.v1.Deployment); undefined for other kinds. */
export function messageOf(group: string, version: string, kind: string): string | undefined {
  const pkg = group === '' ? 'core' : group.split('.')[0];
  const name = `api.${pkg}.${version}.${kind}`;
  return PROTO_MESSAGES[name] ? name : undefined;
}

function fieldsByName(message: string): Map<string, ProtoField> {
  let m = byName.get(message);
  if (!m) {
    m = new Map(Object.values(PROTO_MESSAGES[message] ?? {}).map((f) => [f[0], f]));
    byName.set(message, m);
  }
  return m;
}
const byName = new Map<string, Map<string, ProtoField>>();

function walk(o: Obj, message: string, visit: (parent: Obj, key: string, field: ProtoField, message: string) => void): void {
  const fields = fieldsByName(message);
  for (const key of Object.keys(o)) {
    const f = fields.get(key);
    if (!f) continue;
    const [, kind, , ref] = f;
    const v = o[key];
    if (kind === 'm' && ref) {
      if (Array.isArray(v)) for (const item of v) if (isObj(item)) walk(item, ref, visit);
      if (isObj(v)) walk(v, ref, visit);
    } else if (kind === 'Mm' && ref && isObj(v)) {
      for (const item of Object.values(v)) if (isObj(item)) walk(item, ref, visit);
    }
    visit(o, key, f, message);
  }
}

/**
 * Rewrites every quantity of `o` in canonical form, in place. Throws a
 * QuantityError for a value that is not a quantity, as decoding does.
 */
export function canonicalizeQuantities(o: KubeObject, message: string): void {
  walk(o, message, (parent, key, [, kind]) => {
    const v = parent[key];
    if (kind === 'q' && (typeof v === 'string' || typeof v === 'number')) parent[key] = canonicalQuantity(v);
    if (kind === 'Mq' && isObj(v)) {
      for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') v[k] = canonicalQuantity(x);
    }
  });
}

/** Drops the empty maps and lists of `o` that its Go type would not write back, in place. */
export function dropEmptyCollections(o: KubeObject, message: string): void {
  walk(o, message, (parent, key, [name, kind, flags], owner) => {
    const v = parent[key];
    if (kind.startsWith('M') && isObj(v) && Object.keys(v).length === 0) delete parent[key];
    else if (flags & REPEATED && Array.isArray(v) && v.length === 0) {
      if (NOT_OMITEMPTY.has(`${owner}.${name}`)) parent[key] = null;
      else delete parent[key];
    }
  });
}
