// PATCH bodies to the object to store: the four patch types a real server
// takes, by Content-Type, over the live object, with the patch module's
// errors turned into the Status a real server answers with.
import { mistypedScalars, typedMessage } from '../scalar-types.js';
import { ApiError, badRequest, notFound, unsupportedMediaType, type StatusReason } from '../errors.js';
import {
  ApplyConflictError,
  jsonMergePatch,
  jsonPatch,
  PatchError,
  serverSideApply,
  strategicMergePatch,
  type TypeSchema,
} from '../patch/index.js';
import { apiVersionOf } from '../resources.js';
import { nowTimestamp } from '../store.js';
import type { KubeObject, ResourceType } from '../types.js';
import { decodeBody } from './negotiate.js';

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface PatchRequest {
  res: ResourceType;
  name: string;
  namespace?: string;
  live: KubeObject | undefined;
  body: string;
  contentType: string;
  schema: TypeSchema;
  manager: string | undefined;
  force: boolean;
  subresource?: string;
}

export interface PatchResult {
  object: KubeObject;
  /** Server-side apply computed managedFields already. */
  managedFieldsComputed: boolean;
}

const REASONS: Record<number, StatusReason> = { 400: 'BadRequest', 409: 'Conflict', 415: 'UnsupportedMediaType' };

// kube-apiserver reports a JSON patch that does not apply through
// NewGenericServerResponse(422, ...) without the unexpected-response flag, so
// the library's own text is dropped: only the generic sentence and empty
// details reach the client, and kubectl prints "The request is invalid: ...".
const UNPROCESSABLE_PATCH = 'the server rejected our request due to an error in our request';

function patchErrorStatus(err: PatchError): ApiError {
  if (err.code === 422) return new ApiError(422, 'Invalid', UNPROCESSABLE_PATCH, {});
  // A plain error from the patch library becomes a 500 with no reason, which
  // kubectl prints as "Error from server: <message>".
  if (err.code === 500) return new ApiError(500, undefined, err.message);
  return new ApiError(err.code, REASONS[err.code] ?? 'BadRequest', err.message);
}

function asStatus(err: unknown, p: PatchRequest): never {
  if (err instanceof ApplyConflictError) {
    throw new ApiError(409, 'Conflict', err.message, {
      name: p.name,
      ...(p.res.group ? { group: p.res.group } : {}),
      kind: p.res.plural,
      causes: err.causes,
    });
  }
  if (err instanceof PatchError) throw patchErrorStatus(err);
  throw err;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function applyRequest(p: PatchRequest): PatchResult {
  if (!p.manager) throw badRequest('PATCH requests with apply must have a fieldManager');
  const applied = decodeBody(p.body, 'yaml');
  if (!isObject(applied) || !isObject(applied.metadata)) throw badRequest('error decoding YAML: the applied configuration is not an object with metadata');
  const want = apiVersionOf(p.res);
  if (applied.apiVersion !== want || applied.kind !== p.res.kind) {
    throw badRequest(`the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (applied.metadata.name !== undefined && applied.metadata.name !== p.name) {
    throw badRequest(`the name of the object (${String(applied.metadata.name)}) does not match the name on the URL (${p.name})`);
  }
  // structured-merge-diff types the applied configuration first; a scalar of the wrong type fails it.
  const mistyped = mistypedScalars(p.res, applied);
  if (mistyped.length > 0) {
    const errors = mistyped.map(typedMessage);
    const where = `${applied.metadata.namespace ?? p.namespace ?? ''}/${p.name}; ${p.res.group}/${p.res.version}, Kind=${p.res.kind}`;
    throw new ApiError(500, undefined, `failed to create typed patch object (${where}): ${errors.length === 1 ? errors[0] : `errors:\n  ${errors.join('\n  ')}`}`);
  }
  const merged = serverSideApply({
    live: p.live,
    applied: applied as KubeObject,
    manager: p.manager,
    force: p.force,
    apiVersion: want,
    schema: p.schema,
    now: nowTimestamp(),
    ...(p.subresource ? { subresource: p.subresource } : {}),
  });
  // The applied configuration's resourceVersion is merged into the object like
  // any other field, so the store's optimistic-lock check makes it a
  // precondition: a stale one is a 409, as with an update.
  const requestedRv = applied.metadata.resourceVersion;
  const object = typeof requestedRv === 'string' && requestedRv !== '' ? withResourceVersion(merged, requestedRv) : merged;
  return { object, managedFieldsComputed: true };
}

function withResourceVersion(o: KubeObject, resourceVersion: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion } };
}

/** The object a PATCH asks to store (not yet defaulted, validated or stored). */
export function patchedObject(p: PatchRequest): PatchResult {
  try {
    if (p.contentType === PATCH_TYPES.apply) return applyRequest(p);
    if (!p.live) throw notFound(p.res, p.name);
    const body = decodeBody(p.body, 'json');
    let object: unknown;
    switch (p.contentType) {
      case PATCH_TYPES.merge:
        object = jsonMergePatch(p.live, body);
        break;
      case PATCH_TYPES.json:
        object = jsonPatch(p.live, body);
        break;
      case PATCH_TYPES.strategic:
        if (!p.schema.strategicSupported) throw unsupportedMediaType([PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]);
        if (!isObject(body)) throw badRequest('strategic merge patch: the patch is not a JSON object');
        object = strategicMergePatch(p.live, body, p.schema);
        break;
      default:
        throw unsupportedMediaType(Object.values(PATCH_TYPES));
    }
    if (!isObject(object) || !isObject(object.metadata)) throw badRequest('the patched object has no metadata');
    const patched = object as KubeObject;
    // The patch applies over the live object, so a resourceVersion it set (a
    // merge body's metadata.resourceVersion, a JSON patch replace) is a
    // precondition the store checks; one it removed means "unconditionally".
    if (!patched.metadata.resourceVersion) patched.metadata.resourceVersion = p.live.metadata.resourceVersion;
    patched.metadata.name = p.name;
    if (p.namespace !== undefined) patched.metadata.namespace = p.namespace;
    return { object: patched, managedFieldsComputed: false };
  } catch (err) {
    return asStatus(err, p);
  }
}
