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
  /** The server stayed unreachable or failing for longer than the retry budget (--retry-timeout). */
  outlasted?: boolean;
}

export class KubeError extends GdeployError {
  readonly code: number;
  readonly reason: string;
  readonly causes: StatusCause[];
  readonly subject: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** The server stayed unreachable or failing for longer than the retry budget (--retry-timeout). */
  outlasted: boolean;

  constructor(init: KubeErrorInit) {
    super(init.message, { exitCode: ExitCode.ERROR, hint: init.hint });
    this.name = 'KubeError';
    this.code = init.code;
    this.reason = init.reason;
    this.causes = init.causes ?? [];
    this.subject = init.subject;
    this.method = init.method;
    this.url = init.url;
    this.outlasted = init.outlasted ?? false;
  }

  static fromStatus(code: number, body: unknown, req: { method: string; url: string; subject?: string }): KubeError {
    const s = isStatus(body) ? body : undefined;
    const reason = s?.reason || reasonForCode(code);
    const text = typeof body === 'string' ? body.trim() : '';
    const message = s?.message || text || `${req.method} ${req.url}: ${code} ${reason}`;
    const init: KubeErrorInit = { code, reason, message, causes: s?.details?.causes, subject: req.subject, ...req };
    // The server cannot say whose credentials it refused; the caller, knowing the kubeconfig, may say more.
    if (code === 401) {
      return new KubeError({ ...init, hint: 'the credentials were refused: check the user of the kubeconfig context in use, or get new credentials' });
    }
    const denial = code === 403 ? parseDenial(message) : undefined;
    if (denial) return new KubeError({ ...init, message: denialMessage(denial), hint: denialHint(denial) });
    return new KubeError(init);
  }
}

/** What an authorizer refused: who may not do what, where. */
export interface Denial {
  user: string;
  verb: string;
  /** The plural, with its API group and subresource as kubectl spells it: `deployments.apps`, `configmaps`, `deployments.apps/scale`. */
  resource: string;
  /** The object, when the request named one. */
  name?: string;
  /** undefined: at the cluster scope (or across all namespaces). */
  namespace?: string;
  /** What the authorizer added after the decision (e.g. `RBAC: role "x" not found`). */
  detail?: string;
}

// kube-apiserver words every authorization failure alike (whatever the
// authorizer: RBAC, webhook, node), through apierrors.NewForbidden:
//   <resource>[.<group>] ["<name>"] is forbidden: User "<user>" cannot <verb> resource "<resource>[/<sub>]"
//   in API group "<group>" (in the namespace "<ns>" | at the cluster scope)[: <authorizer's reason>]
// Other 403s (an admission plugin refusing a write into a terminating
// namespace, say) say something else and keep the server's words.
const DENIAL =
  /^(?:\S+ (?:"(?<name>[^"]*)" )?is forbidden: )?User "(?<user>[^"]*)" cannot (?<verb>\S+) resource "(?<plural>[^"/]+)(?:\/(?<sub>[^"]+))?" in API group "(?<group>[^"]*)"(?: in the namespace "(?<namespace>[^"]*)"| at the cluster scope)(?::\s*(?<detail>[\s\S]*))?$/;

export function parseDenial(message: string): Denial | undefined {
  const g = DENIAL.exec(message)?.groups;
  if (!g) return undefined;
  const resource = (g.group ? `${g.plural}.${g.group}` : g.plural!) + (g.sub ? `/${g.sub}` : '');
  const d: Denial = { user: g.user!, verb: g.verb!, resource };
  if (g.name) d.name = g.name;
  if (g.namespace) d.namespace = g.namespace;
  if (g.detail?.trim()) d.detail = g.detail.trim();
  return d;
}

/** `forbidden: cannot patch deployments.apps "web" in namespace "team-b" (user "jane")`: the verb, the resource with its group, where, and who. */
export function denialMessage(d: Denial): string {
  const object = d.name ? `${d.resource} "${d.name}"` : d.resource;
  const where = d.namespace ? `in namespace "${d.namespace}"` : 'at the cluster scope';
  return `forbidden: cannot ${d.verb} ${object} ${where} (user "${d.user}")${d.detail ? `: ${d.detail}` : ''}`;
}

function denialHint(d: Denial): string {
  const grant = d.namespace ? `a Role in namespace ${d.namespace}` : 'a ClusterRole';
  const scope = d.namespace ? ` -n ${d.namespace}` : '';
  return `\`kubectl auth can-i --list${scope}\` shows what you may do; ${d.verb} on ${d.resource} needs ${grant} that allows it`;
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
/**
 * The server could not read the object as its kind (a string where a number
 * belongs): 400 from decoding, or server-side apply's 500 from typing it. Like
 * Invalid, fixed in the manifest.
 */
export const isMalformed = (err: unknown): err is KubeError =>
  err instanceof KubeError && ((err.code === 400 && err.reason === 'BadRequest') || (err.code === 500 && TYPED_OBJECT_FAILURE.test(err.message)));

/**
 * The 500 server-side apply answers when it cannot type the applied
 * configuration (or the live object): an answer about the object, so the same
 * request gets it again.
 */
export const TYPED_OBJECT_FAILURE = /^failed to create typed (patch|live) object/;
export const isForbidden = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 403;
export const isUnauthorized = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 401;
export const isGone = (err: unknown): err is KubeError => err instanceof KubeError && err.code === 410;
/** No answer, or only failing ones, for longer than the retry budget (--retry-timeout): the caller should stop rather than try again. */
export const isOutlasted = (err: unknown): err is KubeError => err instanceof KubeError && err.outlasted;
