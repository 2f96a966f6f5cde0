// The verbs on resource paths: get, list (with selectors and chunking), watch,
// create, update, patch, delete and deletecollection, on main resources and
// their subresources (status, scale, finalize, and the POST-only ones).
import { decodeMessage, mistypedScalars } from '../scalar-types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant } from '../auth.js';
import { printerColumnsOf } from '../crd.js';
import { badRequest, deletedStatus, methodNotSupported, notFound } from '../errors.js';
import type { JsonSchema } from '../openapi.js';
import { apiVersionOf } from '../resources.js';
import type { ResourceRequest, Verb } from '../router.js';
import type { MemoryStore } from '../store.js';
import type { TableOptions } from '../tables.js';
import type { DeleteOptions, KubeObject, ResourceType } from '../types.js';
import { unknownFields } from '../unknown-fields.js';
import { chooseRepresentation, decodeBody, mediaType, parseAccept, readBody, sendJson, sendNotFoundPath, type Representation } from './negotiate.js';
import { answerReview, bindPod, evictPod, isReview, issueToken } from './actions.js';
import { patchedObject, PATCH_TYPES } from './patch.js';
import { fromScale, toScale } from './scale.js';
import type { WatchHub } from './watch.js';

/** Renders objects as a meta.k8s.io/v1 Table (one row each). */
export type TableRenderer = (res: ResourceType, objects: KubeObject | KubeObject[], opts: TableOptions) => unknown;

export interface ResourceContext {
  store: MemoryStore;
  watches: WatchHub;
  tables: TableRenderer;
  bookmarkIntervalMs: number;
  /** The caller, whose reviews (`kubectl auth can-i`, `whoami`) are answered. */
  grant: Grant;
}

interface Call {
  ctx: ResourceContext;
  req: IncomingMessage;
  res: ServerResponse;
  r: ResourceRequest;
  type: ResourceType;
  query: URLSearchParams;
  verb: Verb;
}

const SUBRESOURCE_VERBS: Record<string, Verb[]> = {
  status: ['get', 'update', 'patch'],
  scale: ['get', 'update', 'patch'],
  finalize: ['update'],
  binding: ['create'],
  eviction: ['create'],
  token: ['create'],
};

function dryRunOf(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dryRun value: "${v}", supported values are: "All"`);
  return values.length > 0;
}

/** The field manager of a non-apply write: the query's, else the User-Agent's program name, as the real server defaults it. */
function managerOf(c: Call): string | undefined {
  const q = c.query.get('fieldManager');
  if (q) {
    if (q.length > 128) throw badRequest('fieldManager must not be longer than 128 characters');
    return q;
  }
  const ua = c.req.headers['user-agent'];
  return ua ? ua.split('/')[0]!.slice(0, 128) || undefined : undefined;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name}: ${JSON.stringify(v)}`);
  return n;
}

function representation(c: Call, allowed: Representation[]): Representation {
  return chooseRepresentation(parseAccept(c.req.headers.accept), allowed);
}

function partialMetadata(o: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A stored object as the requested version shows it, without copying built-ins. */
function wire(type: ResourceType, o: KubeObject): KubeObject {
  const v = apiVersionOf(type);
  return o.apiVersion === v ? o : { ...o, apiVersion: v };
}

function render(c: Call, rep: Representation, objects: KubeObject | KubeObject[], listMeta?: Record<string, unknown>, noHeaders = false): unknown {
  if (rep === 'table') {
    const includeObject = c.query.get('includeObject') ?? 'Metadata';
    const printerColumns = printerColumnsOf(c.ctx.store, c.type);
    return c.ctx.tables(c.type, Array.isArray(objects) ? objects.map((o) => wire(c.type, o)) : wire(c.type, objects), {
      includeObject,
      ...(listMeta ? { listMeta } : {}),
      ...(printerColumns ? { printerColumns } : {}),
      noHeaders,
    });
  }
  if (!Array.isArray(objects)) return rep === 'partial-metadata' ? partialMetadata(objects) : wire(c.type, objects);
  if (rep === 'partial-metadata') {
    return { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta ?? {}, items: objects.map(partialMetadata) };
  }
  return { kind: c.type.listKind, apiVersion: apiVersionOf(c.type), metadata: listMeta ?? {}, items: objects.map((o) => wire(c.type, o)) };
}

interface ContinueToken {
  rv: string;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.rv === 'string' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

function list(c: Call): void {
  const labelSelector = c.query.get('labelSelector') ?? undefined;
  const fieldSelector = c.query.get('fieldSelector') ?? undefined;
  const rep = representation(c, ['table', 'partial-metadata']);
  const { items, resourceVersion } = c.ctx.store.listRaw(c.type, c.r.namespace, { labelSelector, fieldSelector });
  const limit = intParam(c.query, 'limit');
  const cont = c.query.get('continue');
  let page = items;
  if (cont) {
    const t = decodeContinue(cont);
    page = page.filter((o) => keyOf(o) > t.start);
  }
  const listMeta: Record<string, unknown> = { resourceVersion };
  if (limit !== undefined && limit > 0 && page.length > limit) {
    const rest = page.length - limit;
    page = page.slice(0, limit);
    listMeta.continue = Buffer.from(JSON.stringify({ rv: resourceVersion, start: keyOf(page[page.length - 1]!) })).toString('base64url');
    if (!labelSelector && !fieldSelector) listMeta.remainingItemCount = rest;
  }
  sendJson(c.res, 200, render(c, rep, page, listMeta));
}

function watch(c: Call): void {
  const q = c.query;
  const rep = representation(c, ['table', 'partial-metadata']);
  const fieldSelector = c.r.name !== undefined ? `metadata.name=${c.r.name}` : (q.get('fieldSelector') ?? undefined);
  let first = true;
  c.ctx.watches.serve(c.res, {
    res: c.type,
    ...(c.r.namespace !== undefined ? { namespace: c.r.namespace } : {}),
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    allowBookmarks: q.get('allowWatchBookmarks') === 'true',
    sendInitialEvents: q.get('sendInitialEvents') === 'true',
    timeoutSeconds: intParam(q, 'timeoutSeconds'),
    bookmarkIntervalMs: c.ctx.bookmarkIntervalMs,
    ...(rep === 'object' ? { shareKey: apiVersionOf(c.type) } : {}),
    // A Table's column definitions come with the first event only.
    render: (o) => {
      const out = render(c, rep, o, undefined, !first);
      first = false;
      return out;
    },
  });
}

function getLive(c: Call): KubeObject {
  const o = c.ctx.store.get(c.type, c.r.namespace, c.r.name!);
  if (!o) throw notFound(c.type, c.r.name!);
  return o;
}

/**
 * fieldValidation: Strict refuses fields the kind does not declare (kubectl's
 * default), Warn (the server's default) answers with Warning headers, Ignore
 * says nothing. Unless refused, undeclared fields are dropped, as decoding
 * into the kind's type drops them on a real server.
 */
function checkFields(c: Call, o: KubeObject): void {
  const mode = c.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  // Decoding into the kind's struct fails on a wrongly typed scalar before any field is checked.
  const mistyped = mistypedScalars(c.type, o)[0];
  if (mistyped) throw badRequest(`${c.type.kind} in version "${c.type.version}" cannot be handled as a ${c.type.kind}: ${decodeMessage(mistyped)}`);
  const unknown = unknownFields(c.type, o, c.ctx.store.registry.customSchema(c.type) as JsonSchema | undefined);
  if (unknown.length === 0) return;
  if (mode === 'Strict') {
    const kind = c.type.kind;
    throw badRequest(`${kind} in version "${c.type.version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`);
  }
  if (mode === 'Warn') c.res.setHeader('Warning', unknown.map((p) => `299 - "unknown field \\"${p}\\""`));
  for (const path of unknown) dropPath(o, path);
}

/** Deletes the field at `spec.template.spec.containers[0].bar`-style `path`. */
function dropPath(o: unknown, path: string): void {
  const steps = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: unknown = o;
  for (let i = 0; i < steps.length - 1 && cur !== null && typeof cur === 'object'; i++) {
    const step = steps[i]!;
    cur = step.startsWith('[') ? (cur as unknown[])[Number(step.slice(1, -1))] : (cur as Record<string, unknown>)[step];
  }
  const last = steps[steps.length - 1];
  if (last && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) delete (cur as Record<string, unknown>)[last];
}

function get(c: Call): void {
  const o = getLive(c);
  if (c.r.subresource === 'scale') return sendJson(c.res, 200, toScale(o));
  sendJson(c.res, 200, render(c, representation(c, ['table', 'partial-metadata']), o));
}

async function bodyObject(c: Call): Promise<KubeObject> {
  const body = decodeBody(await readBody(c.req), mediaType(c.req));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Object \'Kind\' is missing in the request body');
  const o = body as KubeObject;
  if (o.metadata === undefined || o.metadata === null) o.metadata = {};
  return o;
}

function checkIdentity(c: Call, o: KubeObject): void {
  const ns = o.metadata.namespace;
  if (c.type.namespaced && ns && c.r.namespace !== undefined && ns !== c.r.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (c.type.namespaced) o.metadata.namespace = c.r.namespace;
  if (c.r.name !== undefined && o.metadata.name !== undefined && o.metadata.name !== c.r.name) {
    throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${c.r.name})`);
  }
  if (c.r.name !== undefined) o.metadata.name = c.r.name;
}

/** POSTs to a subresource or a review kind: requests answered at once. */
function act(c: Call, body: KubeObject): unknown {
  const store = c.ctx.store;
  const ns = c.r.namespace ?? '';
  switch (c.r.subresource) {
    case 'binding':
      return bindPod(store, c.type, ns, c.r.name!, body, managerOf(c));
    case 'eviction':
      return evictPod(store, c.type, ns, c.r.name!, body);
    case 'token':
      return issueToken(store, c.type, ns, c.r.name!, body);
    default:
      throw methodNotSupported(c.type, 'create');
  }
}

async function create(c: Call): Promise<void> {
  if (c.r.subresource) return sendJson(c.res, 201, act(c, await bodyObject(c)));
  if (isReview(c.type)) return sendJson(c.res, 201, answerReview(c.type, await bodyObject(c), c.ctx.grant));
  if (c.type.group === '' && c.type.kind === 'Binding') {
    const binding = await bodyObject(c);
    const pods = c.ctx.store.resourceByPlural('', 'pods')!;
    return sendJson(c.res, 201, bindPod(c.ctx.store, pods, c.r.namespace ?? '', binding.metadata.name ?? '', binding, managerOf(c)));
  }
  const o = await bodyObject(c);
  checkIdentity(c, o);
  checkFields(c, o);
  const created = c.ctx.store.create(c.type, o, { dryRun: dryRunOf(c.query), fieldManager: managerOf(c) });
  sendJson(c.res, 201, created);
}

async function update(c: Call): Promise<void> {
  const o = await bodyObject(c);
  checkIdentity(c, o);
  if (c.r.subresource !== 'scale') checkFields(c, o);
  const opts = { dryRun: dryRunOf(c.query), fieldManager: managerOf(c), ...(c.r.subresource ? { subresource: c.r.subresource } : {}) };
  if (c.r.subresource === 'scale') {
    const updated = c.ctx.store.update(c.type, fromScale(getLive(c), o), opts);
    return sendJson(c.res, 200, toScale(updated));
  }
  const existed = c.ctx.store.getRaw(c.type, c.r.namespace, c.r.name!) !== undefined;
  const updated = c.ctx.store.update(c.type, o, opts);
  sendJson(c.res, existed ? 200 : 201, updated);
}

async function patch(c: Call): Promise<void> {
  const contentType = mediaType(c.req);
  const body = (await readBody(c.req)).toString('utf8');
  const dryRun = dryRunOf(c.query);
  const store = c.ctx.store;
  const live = store.get(c.type, c.r.namespace, c.r.name!);
  const isApply = contentType === PATCH_TYPES.apply;
  const manager = isApply ? (c.query.get('fieldManager') ?? undefined) : managerOf(c);
  const force = c.query.get('force') === 'true';
  if (!isApply && c.query.has('force')) throw badRequest('force is only supported for apply requests');
  if (c.r.subresource === 'scale') {
    const scale = toScale(getLive(c));
    const result = patchedObject({ res: { ...c.type, group: 'autoscaling', version: 'v1', kind: 'Scale' }, name: c.r.name!, live: scale, body, contentType: contentType === PATCH_TYPES.strategic ? PATCH_TYPES.merge : contentType, schema: store.schema(c.type), manager, force });
    const updated = store.update(c.type, fromScale(getLive(c), result.object), { dryRun, ...(manager ? { fieldManager: manager } : {}), subresource: 'scale' });
    return sendJson(c.res, 200, toScale(updated));
  }
  const result = patchedObject({
    res: c.type,
    name: c.r.name!,
    ...(c.r.namespace !== undefined ? { namespace: c.r.namespace } : {}),
    live,
    body,
    contentType,
    schema: store.schema(c.type),
    manager,
    force,
    ...(c.r.subresource ? { subresource: c.r.subresource } : {}),
  });
  checkFields(c, result.object);
  const opts = {
    dryRun,
    ...(manager ? { fieldManager: manager } : {}),
    ...(c.r.subresource ? { subresource: c.r.subresource } : {}),
    managedFieldsComputed: result.managedFieldsComputed,
  };
  if (!live) {
    if (c.r.subresource) throw notFound(c.type, c.r.name!);
    const o = result.object;
    o.metadata.name = c.r.name;
    if (c.type.namespaced) o.metadata.namespace = c.r.namespace;
    delete o.metadata.resourceVersion;
    return sendJson(c.res, 201, store.create(c.type, o, opts));
  }
  if (isApply && result.object.metadata.resourceVersion === undefined) result.object.metadata.resourceVersion = live.metadata.resourceVersion;
  sendJson(c.res, 200, store.update(c.type, result.object, opts));
}

async function deleteOptions(c: Call): Promise<DeleteOptions> {
  const raw = await readBody(c.req);
  const body = (raw.toString().trim() ? decodeBody(raw, mediaType(c.req)) : {}) as {
    propagationPolicy?: DeleteOptions['propagationPolicy'];
    orphanDependents?: boolean;
    gracePeriodSeconds?: number;
    preconditions?: DeleteOptions['preconditions'];
    dryRun?: string[];
  };
  const q = c.query;
  const policy = (q.get('propagationPolicy') ?? body.propagationPolicy ?? undefined) as DeleteOptions['propagationPolicy'] | undefined;
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  const orphan = q.get('orphanDependents') ?? (body.orphanDependents === undefined ? undefined : String(body.orphanDependents));
  const grace = intParam(q, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  const dryRun = dryRunOf(q) || (body.dryRun ?? []).includes('All');
  return {
    ...(policy ? { propagationPolicy: policy } : orphan !== undefined ? { propagationPolicy: orphan === 'true' ? 'Orphan' : 'Background' } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
    ...(body.preconditions ? { preconditions: body.preconditions } : {}),
    ...(dryRun ? { dryRun } : {}),
  };
}

async function remove(c: Call): Promise<void> {
  const opts = await deleteOptions(c);
  const store = c.ctx.store;
  const out = store.delete(c.type, c.r.namespace, c.r.name!, opts);
  const stillThere = store.getRaw(c.type, c.r.namespace, c.r.name!)?.metadata.uid === out.metadata.uid && !opts.dryRun;
  if (stillThere || opts.dryRun || store.traits(c.type).returnDeletedObject) return sendJson(c.res, 200, out);
  sendJson(c.res, 200, deletedStatus(c.type, c.r.name!, out.metadata.uid));
}

async function removeCollection(c: Call): Promise<void> {
  const opts = await deleteOptions(c);
  const items = c.ctx.store.deleteCollection(
    c.type,
    c.r.namespace,
    { labelSelector: c.query.get('labelSelector') ?? undefined, fieldSelector: c.query.get('fieldSelector') ?? undefined },
    opts,
  );
  sendJson(c.res, 200, { kind: c.type.listKind, apiVersion: apiVersionOf(c.type), metadata: { resourceVersion: c.ctx.store.resourceVersion() }, items });
}

const HANDLERS: Record<Verb, (c: Call) => void | Promise<void>> = {
  get,
  list,
  watch,
  create,
  update,
  patch,
  delete: remove,
  deletecollection: removeCollection,
};

export async function handleResource(ctx: ResourceContext, req: IncomingMessage, res: ServerResponse, r: ResourceRequest, verb: Verb, query: URLSearchParams): Promise<void> {
  const type = ctx.store.registry.at(r.group, r.version, r.plural);
  if (!type) return sendNotFoundPath(res);
  if (r.namespace !== undefined && !type.namespaced) return sendNotFoundPath(res);
  const needsName = verb === 'get' || verb === 'update' || verb === 'patch' || verb === 'delete';
  if (type.namespaced && r.namespace === undefined && (needsName || verb === 'create' || verb === 'deletecollection')) return sendNotFoundPath(res);
  if (r.subresource !== undefined) {
    if (!type.subresources.includes(r.subresource)) return sendNotFoundPath(res);
    const allowed = SUBRESOURCE_VERBS[r.subresource];
    if (!allowed || !allowed.includes(verb)) throw methodNotSupported(type, verb);
  } else if (!type.verbs.includes(verb)) {
    throw methodNotSupported(type, verb);
  }
  await HANDLERS[verb]({ ctx, req, res, r, type, query, verb });
}
