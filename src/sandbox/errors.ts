// API errors as the real API server reports them: a metav1.Status with the
// reason, code, details and message wording clients (kubectl, client-go,
// @kubernetes/client-node) match on. The wording follows apimachinery's
// pkg/api/errors so that kubectl prints exactly what it prints for a cluster.
import type { ResourceType } from './types.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'InternalError'
  | 'Timeout'
  | 'TooManyRequests';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly status: Status;

  /** `reason` undefined is the server's StatusReasonUnknown: the field is left out. */
  constructor(code: number, reason: StatusReason | undefined, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason } : {}), code };
    if (details) this.status.details = details;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

/** `deployments.apps`, `pods`: how messages name a resource. */
export function qualifiedResource(res: Pick<ResourceType, 'group' | 'plural'>): string {
  return res.group ? `${res.plural}.${res.group}` : res.plural;
}

/** `Deployment.apps`, `Pod`: how Invalid messages name a kind. */
export function qualifiedKind(res: Pick<ResourceType, 'group' | 'kind'>): string {
  return res.group ? `${res.kind}.${res.group}` : res.kind;
}

type ResRef = Pick<ResourceType, 'group' | 'plural'>;

export function notFound(res: ResRef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(res)} "${name}" not found`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
  });
}

export function namespaceNotFound(namespace: string): ApiError {
  return notFound({ group: '', plural: 'namespaces' }, namespace);
}

export function alreadyExists(res: ResRef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(res)} "${name}" already exists`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
  });
}

export function conflict(res: ResRef, name: string, why: string, causes?: StatusCause[]): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(res)} "${name}": ${why}`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
    ...(causes ? { causes } : {}),
  });
}

export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function staleResourceVersion(res: ResRef, name: string): ApiError {
  return conflict(res, name, OPTIMISTIC_LOCK_MESSAGE);
}

/** One field.Error from apimachinery's validation package. */
export interface FieldError {
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueTypeInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueDuplicate'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany';
  field: string;
  /** The error text without the field path, e.g. `Required value` or `Invalid value: "x": must be ...`. */
  detail: string;
}

export function invalid(res: Pick<ResourceType, 'group' | 'kind' | 'plural'>, name: string, errs: FieldError[]): ApiError {
  const texts = errs.map((e) => `${e.field}: ${e.detail}`);
  const summary = texts.length === 1 ? texts[0]! : `[${texts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(res)} "${name}" is invalid: ${summary}`, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.kind,
    causes: errs.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(message: string, details?: StatusDetails): ApiError {
  return new ApiError(403, 'Forbidden', message, details);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Gone', message);
}

export function tooOldResourceVersion(requested: string, oldest: string): ApiError {
  return new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function methodNotSupported(res: ResRef, verb: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(res)}"`, {
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
  });
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

export function notAcceptable(accept: string): ApiError {
  return new ApiError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml (got ${accept})`);
}

export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : internalError(err);
}

/** The Status a DELETE answers with when the object is gone at once. */
export function deletedStatus(res: ResRef, name: string, uid: string | undefined): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(res.group ? { group: res.group } : {}), kind: res.plural, ...(uid ? { uid } : {}) },
  };
}
