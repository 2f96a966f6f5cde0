// Every non-2xx answer of the API server becomes one KubeError, built from the
// metav1.Status the server sends, so callers branch on `reason` (NotFound,
// Conflict, Invalid, Forbidden, ...) rather than on message text.
import { ExitCode, GdeployError } from '../engine/errors.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a metav1.Status gdeploy reads. */
export interface Status {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
}

export interface KubeErrorInit {
  code: number;
  reason: string;
  message: string;
  causes?: StatusCause[];
  /** `Kind/namespace/name` of the object the request was about, when known. */
  subject?: string;
  method?: string;
  url?: string;
  hint?: string;
}

export class KubeError extends GdeployError {
  readonly code: number;
  readonly reason: string;
  readonly causes: StatusCause[];
  readonly subject: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;

  constructor(init: KubeErrorInit) {
    super(init.message, { exitCode: ExitCode.ERROR, hint: init.hint });
    this.name = 'KubeError';
    this.code = init.code;
    this.reason = init.reason;
    this.causes = init.causes ?? [];
    this.subject = init.subject;
    this.method = init.method;
    this.url = init.url;
  }

  static fromStatus(code: number, body: unknown, req: { method: string; url: string; subject?: string }): KubeError {
    const s = isStatus(body) ? body : undefined;
    const reason = s?.reason || reasonForCode(code);
    const text = typeof body === 'string' ? body.trim() : '';
    const message = s?.message || text || `${req.method} ${req.url}: ${code} ${reason}`;
    return new KubeError({ code, reason, message, causes: s?.details?.causes, subject: req.subject, ...req });
  }
}

function isStatus(body: unknown): body is Status {
  return typeof body === 'object' && body !== null && (body as Status).kind === 'Status';
}

// Mirrors k8s.io/apimachinery/pkg/api/errors for bodies that are not a Status
// (proxies, load balancers).
function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 406: return 'NotAcceptable';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

export const isNotFound = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 404;
/** 409 with reason Conflict: a stale resourceVersion, or (for apply) a field owned by another manager. */
export const isConflict = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 409 && err.reason === 'Conflict';
export const isAlreadyExists = (err: unknown): err is KubeError => err instanceof KubeError && err.reason === 'AlreadyExists';
export const isInvalid = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 422;
export const isForbidden = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 403;
export const isGone = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 410;
