// Authentication and a namespace-scoped authorizer for the sandbox, answering
// the way kube-apiserver does: 401 Unauthorized for a request nobody could be
// found behind, 403 Forbidden with RBAC's wording for a request its user may
// not make.
//
// Two authenticators, tried in kube-apiserver's order, the first that knows the
// caller wins: a client certificate the TLS server verified against its client
// CA (--client-ca-file: the user is the CN, the groups are the O fields), then
// a bearer token. A certificate that does not verify identifies nobody, so the
// token still may.
//
// The API server authenticates before routing and authorizes resource requests:
//   const auth = new Authenticator(adminToken);            // the kubeconfig's token, if any
//   auth.addToken(devToken, { user: 'dev', namespace: 'team-a' });
//   auth.bindUser('jane', 'team-a');                       // a certificate user's RoleBinding
//   const grant = auth.authenticate(req);                  // undefined -> 401
//   const denied = authorize(grant, { verb, group, resource, subresource, namespace, name });
//   if (denied) -> respond denied.status
// `verb` is the Kubernetes verb: get, list, watch, create, update, patch, delete,
// deletecollection. Non-resource paths (/api, /apis, /openapi/*, /version,
// /healthz) are open to every authenticated user, as the system:discovery role
// makes them.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { forbidden, type ApiError } from './errors.js';

/** Who a request comes from, and where it may act. */
export interface Grant {
  user: string;
  /** The groups a client certificate names (its O fields). */
  groups?: string[];
  /**
   * Only this namespace; undefined means the whole cluster (cluster-admin),
   * '' means nowhere (a user no binding names).
   */
  namespace?: string;
}

export const ADMIN_USER = 'kubernetes-admin';
/** The group of kubeadm's admin.conf certificate, bound to cluster-admin. */
export const ADMIN_GROUP = 'kubeadm:cluster-admins';

/** The kubeconfig's user: cluster-admin, as kubeadm's admin.conf. */
export const ADMIN_GRANT: Grant = Object.freeze({ user: ADMIN_USER });

/**
 * Groups whose members may do everything: kube-apiserver lets system:masters
 * past every authorizer, and kubeadm binds kubeadm:cluster-admins (the group of
 * admin.conf's certificate) to cluster-admin.
 */
export const CLUSTER_ADMIN_GROUPS: ReadonlySet<string> = new Set(['system:masters', ADMIN_GROUP]);

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** True when the request carries exactly `token` (compared in constant time). */
export function checkBearer(req: IncomingMessage, token: string): boolean {
  const got = bearerToken(req);
  return got !== undefined && sameSecret(got, token);
}

/**
 * The user and groups of the client certificate the TLS handshake verified, if
 * any. The server must request certificates without rejecting unverified ones
 * (requestCert: true, rejectUnauthorized: false), so that a bad certificate
 * falls through to the token instead of failing the handshake.
 */
export function certificateSubject(req: IncomingMessage): { user: string; groups: string[] } | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined> | undefined;
  const [user] = values(subject?.CN);
  // kube-apiserver's x509 authenticator ignores a certificate without a common name.
  if (!user) return undefined;
  return { user, groups: values(subject?.O) };
}

export class Authenticator {
  private readonly tokens = new Map<string, Grant>();
  private readonly bindings = new Map<string, string>();

  /** `adminToken`: a bearer token for kubernetes-admin, cluster-admin. */
  constructor(adminToken?: string) {
    if (adminToken) this.tokens.set(adminToken, { user: ADMIN_USER });
  }

  /** Registers a token for `user`, limited to `namespace` when given. */
  addToken(token: string, grant: Grant): void {
    this.tokens.set(token, { ...grant });
  }

  /**
   * Lets certificate user `user` do everything in `namespace`, as a
   * RoleBinding to `admin` there would. A certificate user in no admin group
   * and with no binding may do nothing but ask who it is.
   */
  bindUser(user: string, namespace: string): void {
    this.bindings.set(user, namespace);
  }

  /** Who sent the request; undefined means 401. */
  authenticate(req: IncomingMessage): Grant | undefined {
    const cert = certificateSubject(req);
    if (cert) return this.certificateGrant(cert.user, cert.groups);
    const token = bearerToken(req);
    return token === undefined ? undefined : this.lookup(token);
  }

  private certificateGrant(user: string, groups: string[]): Grant {
    if (groups.some((g) => CLUSTER_ADMIN_GROUPS.has(g))) return { user, groups };
    return { user, groups, namespace: this.bindings.get(user) ?? '' };
  }

  private lookup(token: string): Grant | undefined {
    for (const [known, grant] of this.tokens) {
      if (sameSecret(token, known)) return grant;
    }
    return undefined;
  }
}

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

/** What RBAC decides on: the request's verb and the object it names. */
export interface ResourceAttributes {
  verb: string;
  group: string;
  /** The plural, without the subresource. */
  resource: string;
  subresource?: string;
  /** undefined for cluster-scoped resources and lists across all namespaces. */
  namespace?: string;
  name?: string;
}

// Every authenticated user may ask who it is and what it may do
// (system:basic-user), whatever else it is allowed.
const SELF_REVIEWS = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authentication.k8s.io/selfsubjectreviews',
]);

/**
 * undefined when `grant` allows the request, else the 403 to send. A
 * namespace-scoped grant acts like a RoleBinding to `admin` in its namespace:
 * everything there, nothing cluster-scoped, no lists across namespaces.
 */
export function authorize(grant: Grant, a: ResourceAttributes): ApiError | undefined {
  if (grant.namespace === undefined) return undefined;
  if (a.verb === 'create' && SELF_REVIEWS.has(`${a.group}/${a.resource}`)) return undefined;
  if (grant.namespace !== '' && a.namespace === grant.namespace) return undefined;
  return forbiddenError(grant.user, a);
}

/**
 * RBAC's denial, word for word:
 * `deployments.apps "web" is forbidden: User "dev" cannot get resource "deployments" in API group "apps" in the namespace "prod"`.
 */
export function forbiddenError(user: string, a: ResourceAttributes): ApiError {
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const target = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const message = `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${target}" in API group "${a.group}" ${scope}`;
  return forbidden(message, { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
