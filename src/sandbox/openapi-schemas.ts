// OpenAPI schemas of the built-in kinds, derived from the type metadata that
// @kubernetes/client-node generates from the Kubernetes OpenAPI document, plus
// the patch metadata that metadata leaves out (Go struct tags patchStrategy /
// patchMergeKey and the +listType markers in k8s.io/api), taken from the table
// the server's own merge is typed by (patch/list-meta.ts).
// kubectl's client-side apply walks these schemas to compute its patch, so a
// field missing here would make it warn and fall back: every field of every
// reachable type is included.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as models from '@kubernetes/client-node/dist/gen/models/all.js';
import { fieldMeta, type FieldMeta } from './patch/list-meta.js';

export interface JsonSchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  $ref?: string;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  [extension: `x-${string}`]: unknown;
}

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

const registry = models as unknown as Record<string, ModelClass | undefined>;

// Which API package a nested type lives in, for its definition name. Types of
// a group's kinds start with the kind's name; the rest are listed.
const META_TYPES = new Set([
  'ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'ManagedFieldsEntry', 'OwnerReference',
  'Condition', 'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions', 'Preconditions', 'WatchEvent',
]);
const PACKAGE_PREFIXES: [string, string][] = [
  ['apps', 'Deployment ReplicaSet StatefulSet DaemonSet RollingUpdate ControllerRevision'],
  ['batch', 'CronJob Job PodFailurePolicy SuccessPolicy UncountedTerminatedPods'],
  ['networking', 'Ingress HTTPIngress ServiceBackendPort IPBlock NetworkPolicy'],
  ['coordination', 'Lease'],
  ['apiextensions', 'CustomResource JSONSchemaProps ExternalDocumentation ValidationRule SelectableField WebhookClientConfig WebhookConversion ServiceReference'],
  ['autoscaling', 'Scale HorizontalPodAutoscaler CrossVersionObjectReference'],
  ['policy', 'PodDisruptionBudget Eviction'],
  ['rbac', 'ClusterRole Role PolicyRule AggregationRule Subject'],
];

/** io.k8s.api.apps.v1 for ('apps', 'v1'), as kube-openapi names packages. */
export function packageOf(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group.endsWith('.k8s.io') || !group.includes('.')) return `io.k8s.api.${group.split('.')[0]}.${version}`;
  // Custom resources: reversed group, as the apiextensions server names them.
  return `${group.split('.').reverse().join('.')}.${version}`;
}

/** The client-node class of a built-in kind (V1Deployment, CoreV1Event), if it is one. */
export function builtinClass(gvk: Gvk): string | undefined {
  const v = gvk.version.charAt(0).toUpperCase() + gvk.version.slice(1);
  const groupWord = gvk.group === '' ? 'Core' : capitalize(gvk.group.split('.')[0]!);
  for (const name of [`${v}${gvk.kind}`, `${groupWord}${v}${gvk.kind}`]) {
    if (registry[name]?.getAttributeTypeMap) return name;
  }
  return undefined;
}

/**
 * Definition name and schema of a class and of everything it references,
 * added to `out`. `refPrefix` is '#/components/schemas/' (v3) or '#/definitions/' (v2).
 * Returns the class's definition name.
 */
export function addClassSchemas(className: string, out: Record<string, JsonSchema>, refPrefix: string): string {
  const rootName = definitionName(className);
  const pending = [className];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const cls = pending.pop()!;
    if (seen.has(cls)) continue;
    seen.add(cls);
    const name = definitionName(cls);
    if (out[name]) continue;
    const model = registry[cls];
    if (!model) continue;
    const docs = classDocs(cls);
    const properties: Record<string, JsonSchema> = {};
    for (const attr of model.getAttributeTypeMap()) {
      const schema = typeSchema(attr.type, attr.format, cls, refPrefix, pending);
      const meta = fieldMeta(cls, attr.baseName);
      if (meta) addPatchMeta(schema, meta);
      const description = docs?.fields.get(attr.name);
      properties[attr.baseName] = description ? withDescription(schema, description) : schema;
    }
    const schema: JsonSchema = { type: 'object', properties };
    if (docs?.description) schema.description = docs.description;
    if (docs?.required.length) schema.required = docs.required.map((f) => model.getAttributeTypeMap().find((a) => a.name === f)?.baseName ?? f);
    out[name] = schema;
  }
  return rootName;
}

/** Schemas every group-version document carries, whatever its kinds. */
export function addCommonSchemas(out: Record<string, JsonSchema>, refPrefix: string): void {
  for (const cls of ['V1Status', 'V1DeleteOptions', 'V1ObjectMeta', 'V1ListMeta']) addClassSchemas(cls, out, refPrefix);
  out['io.k8s.apimachinery.pkg.apis.meta.v1.Patch'] = {
    type: 'object',
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
  };
}

export function definitionName(className: string): string {
  const m = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(className);
  if (!m) return className;
  const [, groupWord, version, type] = m as unknown as [string, string | undefined, string, string];
  const v = version.toLowerCase();
  if (META_TYPES.has(type)) return `io.k8s.apimachinery.pkg.apis.meta.${v}.${type}`;
  if (groupWord && groupWord !== 'Core') return `${packageOf(groupWord.toLowerCase() + '.k8s.io', v)}.${type}`;
  if (type.startsWith('ScaleIO')) return `${packageOf('', v)}.${type}`;
  for (const [group, prefixes] of PACKAGE_PREFIXES) {
    if (prefixes.split(' ').some((p) => type.startsWith(p))) return `${packageOf(group === 'apiextensions' ? 'apiextensions.k8s.io' : group, v)}.${type}`;
  }
  return `${packageOf('', v)}.${type}`;
}

function typeSchema(type: string, format: string, owner: string, refPrefix: string, pending: string[]): JsonSchema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: typeSchema(array[1]!, '', owner, refPrefix, pending) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1]!, '', owner, refPrefix, pending) };
  switch (type) {
    case 'string':
      return format === 'int-or-string' ? { type: 'string', format } : format ? { type: 'string', format } : { type: 'string' };
    case 'number':
      return format === 'double' ? { type: 'number', format } : { type: 'integer', format: format || 'int64' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
    case 'V1MicroTime':
      return { type: 'string', format: 'date-time' };
    case 'IntOrString':
      return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true };
    case 'any':
    case 'object':
      // JSON values in CRD schemas (default, example, enum) may be any JSON; the
      // other free-form fields (RawExtension, FieldsV1) are objects.
      return owner === 'V1JSONSchemaProps' ? {} : { type: 'object' };
  }
  if (registry[type]?.getAttributeTypeMap) {
    pending.push(type);
    return { $ref: refPrefix + definitionName(type) };
  }
  return {};
}

// A description beside a $ref must not be read as describing the referenced
// type, so references are wrapped in allOf, as kube-openapi writes them; the
// field's own extensions (a patch strategy) stay beside it.
function withDescription(schema: JsonSchema, description: string): JsonSchema {
  if (schema.$ref) {
    const { $ref, ...extensions } = schema;
    return { allOf: [{ $ref }], description, ...extensions };
  }
  return { ...schema, description };
}

interface ClassDocs {
  description?: string;
  /** By TypeScript property name. */
  fields: Map<string, string>;
  /** Properties the generator declared non-optional: the API's required fields. */
  required: string[];
}

const docsCache = new Map<string, ClassDocs | undefined>();
let modelsDir: string | null | undefined;

/**
 * The API documentation of a class: the generator keeps the OpenAPI
 * descriptions only as doc comments in the declaration files. Without those
 * files, schemas simply have no descriptions.
 */
function classDocs(className: string): ClassDocs | undefined {
  if (docsCache.has(className)) return docsCache.get(className);
  let docs: ClassDocs | undefined;
  try {
    modelsDir ??= dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/gen/models/all.js'));
    docs = parseDeclaration(readFileSync(join(modelsDir, `${className}.d.ts`), 'utf8'));
  } catch {
    modelsDir ??= null;
    docs = undefined;
  }
  docsCache.set(className, docs);
  return docs;
}

function parseDeclaration(text: string): ClassDocs {
  const docs: ClassDocs = { fields: new Map(), required: [] };
  let comment: string[] | undefined;
  let pending: string | undefined;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('/**')) {
      comment = [];
      continue;
    }
    if (comment) {
      if (trimmed.startsWith('*/')) {
        pending = comment.join('\n').trim();
        comment = undefined;
      } else {
        // The generator escaped quotes as if for a string literal.
        comment.push(trimmed.replace(/^\* ?/, '').replace(/\\(["'\\])/g, '$1'));
      }
      continue;
    }
    if (trimmed.startsWith('export declare class')) {
      if (pending) docs.description = pending;
    } else {
      const prop = /^'([^']+)'(\?)?:/.exec(trimmed);
      if (prop) {
        if (pending) docs.fields.set(prop[1]!, pending);
        if (!prop[2]) docs.required.push(prop[1]!);
      }
    }
    pending = undefined;
  }
  return docs;
}

function addPatchMeta(schema: JsonSchema, meta: FieldMeta): void {
  if (meta.mergeKey) schema['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (meta.strategy) schema['x-kubernetes-patch-strategy'] = meta.strategy;
  if (meta.listType) schema['x-kubernetes-list-type'] = meta.listType;
  if (meta.mapKeys) schema['x-kubernetes-list-map-keys'] = meta.mapKeys;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
