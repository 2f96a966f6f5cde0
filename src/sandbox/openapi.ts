// The API server's OpenAPI documents, as kubectl 1.32 reads them:
//
//   GET /openapi/v3                 the index: one serverRelativeURL (with a
//                                   content hash) per group-version
//   GET /openapi/v3/apis/apps/v1    that group-version's paths and schemas:
//                                   client-side `kubectl apply`/`diff` compute
//                                   their strategic merge patch from the kind's
//                                   schema (x-kubernetes-patch-*), and learn from
//                                   the PATCH operation's parameters that the
//                                   server validates fields itself
//                                   (fieldValidation), so they skip client-side
//                                   validation; `kubectl explain` renders it
//   GET /openapi/v2                 protobuf (gnostic openapi_v2.Document);
//                                   kubectl downloads it before every
//                                   validated write and fails without it
//
// For the router:
//   const r = handleOpenApi(url, store.allResources(), { schemaOf });
//   if (r) -> write r.status, Content-Type r.contentType, body r.body
// `schemaOf(res)` returns a custom resource's openAPIV3Schema (from its CRD's
// served version), so `kubectl explain` and the fieldValidation check see it.
import { createHash } from 'node:crypto';
import {
  addClassSchemas,
  addCommonSchemas,
  builtinClass,
  packageOf,
  type Gvk,
  type JsonSchema,
} from './openapi-schemas.js';
import { encodeOpenApiV2 } from './openapi-v2.js';
import type { ResourceType } from './types.js';

export type { JsonSchema } from './openapi-schemas.js';

export interface OpenApiResponse {
  status: number;
  contentType: string;
  body: Buffer | string;
}

export interface OpenApiOptions {
  /** A custom resource's structural schema (its CRD version's openAPIV3Schema). */
  schemaOf?: (res: ResourceType) => JsonSchema | undefined;
}

/** The Kubernetes release whose API the sandbox serves. */
export const SERVED_KUBERNETES_VERSION = 'v1.32.0';

const V3_REF = '#/components/schemas/';
const JSON_TYPE = 'application/json';
const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The response for an /openapi/* path; undefined for any other path. */
export function handleOpenApi(url: URL, resources: ResourceType[], opts: OpenApiOptions = {}): OpenApiResponse | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/openapi/v2') {
    return { status: 200, contentType: PROTOBUF_V2, body: encodeOpenApiV2(SERVED_KUBERNETES_VERSION) };
  }
  if (path === '/openapi/v3') {
    return json(200, JSON.stringify(v3Index(resources, opts)));
  }
  if (path.startsWith('/openapi/v3/')) {
    const gvPath = path.slice('/openapi/v3/'.length);
    const doc = groupVersionDocuments(resources, opts).get(gvPath);
    if (!doc) return json(404, JSON.stringify(notFoundStatus(url.pathname)));
    return json(200, doc.text);
  }
  return undefined;
}

function json(status: number, body: string): OpenApiResponse {
  return { status, contentType: JSON_TYPE, body };
}

function notFoundStatus(path: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server could not find the requested resource (get ${path})`,
    reason: 'NotFound',
    details: {},
    code: 404,
  };
}

function v3Index(resources: ResourceType[], opts: OpenApiOptions): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gvPath, doc] of groupVersionDocuments(resources, opts)) {
    paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${doc.hash}` };
  }
  return { paths };
}

function gvPathOf(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

interface RenderedDocument {
  text: string;
  hash: string;
}

// Built documents, by group-version, while their resources (and CRD schemas) stay the same.
const documentCache = new Map<string, { key: string; doc: RenderedDocument }>();

function groupVersionDocuments(resources: ResourceType[], opts: OpenApiOptions): Map<string, RenderedDocument> {
  const byGv = new Map<string, ResourceType[]>();
  for (const r of resources) {
    const key = gvPathOf(r.group, r.version);
    byGv.set(key, [...(byGv.get(key) ?? []), r]);
  }
  const out = new Map<string, RenderedDocument>();
  for (const [gvPath, list] of [...byGv].sort(([a], [b]) => a.localeCompare(b))) {
    const custom = list.map((r) => (builtinClass(r) ? undefined : opts.schemaOf?.(r)));
    const key = JSON.stringify([list, custom]);
    const cached = documentCache.get(gvPath);
    if (cached?.key === key) {
      out.set(gvPath, cached.doc);
      continue;
    }
    const text = JSON.stringify(buildDocument(list, custom));
    const doc = { text, hash: createHash('sha512').update(text).digest('hex').toUpperCase() };
    documentCache.set(gvPath, { key, doc });
    out.set(gvPath, doc);
  }
  return out;
}

function buildDocument(resources: ResourceType[], customSchemas: (JsonSchema | undefined)[]): object {
  const schemas: Record<string, JsonSchema> = {};
  addCommonSchemas(schemas, V3_REF);
  const paths: Record<string, object> = {};
  resources.forEach((res, i) => {
    const gvk: Gvk = { group: res.group, version: res.version, kind: res.kind };
    const cls = builtinClass(gvk);
    const kindName = cls ? addClassSchemas(cls, schemas, V3_REF) : addCustomSchema(res, customSchemas[i], schemas);
    tagGvk(schemas[kindName]!, gvk);
    const listGvk = { ...gvk, kind: res.listKind };
    const listCls = builtinClass(listGvk);
    const listName = listCls ? addClassSchemas(listCls, schemas, V3_REF) : addCustomListSchema(res, kindName, schemas);
    tagGvk(schemas[listName]!, listGvk);
    Object.assign(paths, resourcePaths(res, kindName, listName, cls !== undefined, schemas));
  });
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVED_KUBERNETES_VERSION },
    paths,
    components: {
      schemas: sortKeys(schemas),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
  };
}

function tagGvk(schema: JsonSchema, gvk: Gvk): void {
  schema['x-kubernetes-group-version-kind'] = [{ group: gvk.group, kind: gvk.kind, version: gvk.version }];
}

// A custom resource: its CRD's schema with apiVersion, kind and metadata
// filled in, as the apiextensions server publishes it.
function addCustomSchema(res: ResourceType, schema: JsonSchema | undefined, out: Record<string, JsonSchema>): string {
  const name = `${packageOf(res.group, res.version)}.${res.kind}`;
  const base: JsonSchema = schema ? structuredClone(schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  base.type ??= 'object';
  // The server's apiVersion, kind and metadata win over whatever the CRD says of them.
  base.properties = {
    ...base.properties,
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: { allOf: [{ $ref: V3_REF + 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: "Standard object's metadata." },
  };
  out[name] = base;
  return name;
}

function addCustomListSchema(res: ResourceType, kindName: string, out: Record<string, JsonSchema>): string {
  const name = `${packageOf(res.group, res.version)}.${res.listKind}`;
  out[name] = {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items: { $ref: V3_REF + kindName } },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: V3_REF + 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' }] },
    },
  };
  return name;
}

// ---- paths ------------------------------------------------------------------

interface Parameter {
  name: string;
  in: 'path' | 'query';
  description: string;
  required?: boolean;
  schema: JsonSchema;
  uniqueItems?: boolean;
}

const q = (name: string, description: string, schema: JsonSchema = { type: 'string' }): Parameter => ({
  name,
  in: 'query',
  description,
  schema,
  uniqueItems: true,
});

const P = {
  name: (res: ResourceType): Parameter => ({ name: 'name', in: 'path', description: `name of the ${res.kind}`, required: true, schema: { type: 'string' }, uniqueItems: true }),
  namespace: { name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string' }, uniqueItems: true } as Parameter,
  pretty: q('pretty', "If 'true', then the output is pretty printed."),
  dryRun: q('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: q(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: q('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', { type: 'boolean' }),
  labelSelector: q('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: q('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: q('limit', 'limit is a maximum number of responses to return for a list call.', { type: 'integer' }),
  continue: q('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: q('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: q('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  timeoutSeconds: q('timeoutSeconds', 'Timeout for the list/watch call.', { type: 'integer' }),
  watch: q('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', { type: 'boolean' }),
  allowWatchBookmarks: q('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK".', { type: 'boolean' }),
  sendInitialEvents: q('sendInitialEvents', 'With `sendInitialEvents=true` the watch stream begins with synthetic events for existing objects.', { type: 'boolean' }),
  gracePeriodSeconds: q('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', { type: 'integer' }),
  propagationPolicy: q('propagationPolicy', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  orphanDependents: q('orphanDependents', 'Deprecated: please use the PropagationPolicy.', { type: 'boolean' }),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];
const STRATEGIC = 'application/strategic-merge-patch+json';
const RESPONSE_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const ref = (name: string): JsonSchema => ({ $ref: V3_REF + name });
const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

function resourcePaths(
  res: ResourceType,
  kindName: string,
  listName: string,
  builtin: boolean,
  schemas: Record<string, JsonSchema>,
): Record<string, object> {
  const prefix = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  const scope = res.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const idWord = operationWord(res);
  const nsWord = res.namespaced ? 'Namespaced' : '';
  const gvk = { group: res.group, version: res.version, kind: res.kind };
  const has = (v: string): boolean => res.verbs.includes(v);
  const scopeParams = res.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  const op = (action: string, id: string, params: Parameter[], response: string, extra: object = {}, kind: Gvk = gvk): object => ({
    tags: [tagOf(res)],
    description: `${action} ${res.kind}`,
    operationId: id,
    parameters: params,
    responses: {
      '200': { description: 'OK', content: Object.fromEntries(RESPONSE_TYPES.map((t) => [t, { schema: ref(response) }])) },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
    ...extra,
  });
  const body = (schema: JsonSchema, types: string[]): object => ({
    requestBody: { content: Object.fromEntries(types.map((t) => [t, { schema }])), required: true },
  });
  const patchTypes = builtin ? [...PATCH_TYPES, STRATEGIC] : PATCH_TYPES;
  const paths: Record<string, object> = {};

  const collection: Record<string, unknown> = { parameters: scopeParams };
  if (has('list')) collection.get = op('list', `list${idWord}${nsWord}${res.kind}`, LIST_PARAMS, listName);
  if (has('create')) collection.post = op('post', `create${idWord}${nsWord}${res.kind}`, WRITE_PARAMS, kindName, body(ref(kindName), ['*/*']));
  if (has('deletecollection')) collection.delete = op('deletecollection', `delete${idWord}Collection${nsWord}${res.kind}`, [...LIST_PARAMS, ...DELETE_PARAMS], STATUS);
  paths[`${scope}/${res.plural}`] = collection;

  const item: Record<string, unknown> = { parameters: [P.name(res), ...scopeParams] };
  if (has('get')) item.get = op('get', `read${idWord}${nsWord}${res.kind}`, [], kindName);
  if (has('update')) item.put = op('put', `replace${idWord}${nsWord}${res.kind}`, WRITE_PARAMS, kindName, body(ref(kindName), ['*/*']));
  if (has('patch')) item.patch = op('patch', `patch${idWord}${nsWord}${res.kind}`, [...WRITE_PARAMS, P.force], kindName, body(ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch'), patchTypes));
  if (has('delete')) item.delete = op('delete', `delete${idWord}${nsWord}${res.kind}`, DELETE_PARAMS, STATUS, body(ref('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'), ['*/*']));
  paths[`${scope}/${res.plural}/{name}`] = item;

  for (const sub of res.subresources) {
    if (sub !== 'status' && sub !== 'scale') continue;
    const word = sub === 'status' ? 'Status' : 'Scale';
    // The scale subresource speaks autoscaling/v1 Scale; status speaks the kind itself.
    const subKind: Gvk = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : gvk;
    const subName = sub === 'scale' ? addClassSchemas('V1Scale', schemas, V3_REF) : kindName;
    paths[`${scope}/${res.plural}/{name}/${sub}`] = {
      parameters: [P.name(res), ...scopeParams],
      get: op('get', `read${idWord}${nsWord}${res.kind}${word}`, [], subName, {}, subKind),
      put: op('put', `replace${idWord}${nsWord}${res.kind}${word}`, WRITE_PARAMS, subName, body(ref(subName), ['*/*']), subKind),
      patch: op('patch', `patch${idWord}${nsWord}${res.kind}${word}`, [...WRITE_PARAMS, P.force], subName, body(ref('io.k8s.apimachinery.pkg.apis.meta.v1.Patch'), patchTypes), subKind),
    };
  }

  if (res.namespaced && has('list')) {
    paths[`${prefix}/${res.plural}`] = {
      parameters: [P.pretty],
      get: op('list', `list${idWord}${res.kind}ForAllNamespaces`, LIST_PARAMS, listName),
    };
  }
  return paths;
}

/** CoreV1, AppsV1, NetworkingV1, StableExampleComV1: kube-openapi's operation id word. */
function operationWord(res: ResourceType): string {
  const v = res.version.charAt(0).toUpperCase() + res.version.slice(1);
  if (res.group === '') return `Core${v}`;
  const words = res.group.replace(/\.k8s\.io$/, '').split(/[.-]/);
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') + v;
}

function tagOf(res: ResourceType): string {
  return res.group === '' ? `core_${res.version}` : `${res.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${res.version}`;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
