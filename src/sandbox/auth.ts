// Bearer-token authentication and a namespace-scoped authorizer for the
// sandbox, answering the way kube-apiserver does: 401 Unauthorized for a
// missing or unknown token, 403 Forbidden with RBAC's wording for a request the
// token's user may not make.
//
// The API server authenticates before routing and authorizes resource requests:
//   const auth = new TokenAuthority(adminToken);          // the kubeconfig's token
//   auth.addToken(devToken, { user: 'dev', namespace: 'team-a' });
//   const grant = auth.authenticate(req);                  // undefined -> 401
//   const denied = authorize(grant, { verb, group, resource, subresource, namespace, name });
//   if (denied) -> respond denied.status
// `verb` is the Kubernetes verb: get, list, watch, create, update, patch, delete,
// deletecollection. Non-resource paths (/api, /apis, /openapi/*, /version,
// /healthz) are open to every authenticated user, as the system:discovery role
// makes them.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { forbidden, type ApiError } from './errors.js';

/** Who a token belongs to, and where it may act. */
export interface Grant {
  user: string;
  /** Only this namespace; undefined means the whole cluster (cluster-admin). */
  namespace?: string;
}

export const ADMIN_USER = 'kubernetes-admin';

/** The kubeconfig's user: cluster-admin, as kubeadm's admin.conf. */
export const ADMIN_GRANT: Grant = Object.freeze({ user: ADMIN_USER });

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

export class TokenAuthority {
  private readonly grants = new Map<string, Grant>();

  constructor(adminToken: string) {
    this.grants.set(adminToken, { user: ADMIN_USER });
  }

  /** Registers a token for `user`, limited to `namespace` when given. */
  addToken(token: string, grant: Grant): void {
    this.grants.set(token, { ...grant });
  }

  /** The grant of the request's bearer token; undefined means 401. */
  authenticate(req: IncomingMessage): Grant | undefined {
    const got = bearerToken(req);
    return got === undefined ? undefined : this.lookup(got);
  }

  /**
   * undefined when allowed, else the 403 to send. An unknown token is denied
   * as system:anonymous (the caller should have answered 401 before).
   */
  authorize(
    token: string,
    verb: string,
    group: string,
    resource: string,
    namespace: string | undefined,
    name?: string,
  ): ApiError | undefined {
    const grant = this.lookup(token) ?? { user: 'system:anonymous', namespace: '' };
    const [plural = resource, subresource] = resource.split('/', 2);
    return authorize(grant, {
      verb,
      group,
      resource: plural,
      ...(subresource ? { subresource } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name ? { name } : {}),
    });
  }

  private lookup(token: string): Grant | undefined {
    for (const [known, grant] of this.grants) {
      if (sameSecret(token, known)) return grant;
    }
    return undefined;
  }
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
  if (a.namespace !== undefined && a.namespace === grant.namespace) return undefined;
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
