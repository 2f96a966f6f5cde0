// Bearer-token authentication and a namespace-scoped authorizer for the
// sandbox, answering the way kube-apiserver does: 401 Unauthorized for a
// missing or unknown token, 403 Forbidden with RBAC's wording for a request the
// token's user may not make.
//
// For the API server (call before routing; a returned ApiError is the response):
//   const auth = new TokenAuthority(adminToken);          // the kubeconfig's token
//   const user = auth.authenticate(req);                   // or: if (!checkBearer(req, token)) -> 401
//   if (!user) -> respond unauthorized()  (src/sandbox/errors.ts)
//   const denied = auth.authorize(token, verb, group, resource, namespace, name?);
//   if (denied) -> respond denied.status
// `verb` is the Kubernetes verb: get, list, watch, create, update, patch, delete,
// deletecollection. `resource` may carry a subresource: "pods/log".
// Non-resource paths (/api, /apis, /openapi/*, /version, /healthz) are open to
// every authenticated user, as the system:discovery role makes them.
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
    if (grant.namespace === undefined) return undefined;
    if (namespace !== undefined && namespace === grant.namespace) return undefined;
    return forbiddenError(grant.user, verb, group, resource, namespace, name);
  }

  private lookup(token: string): Grant | undefined {
    for (const [known, grant] of this.grants) {
      if (sameSecret(token, known)) return grant;
    }
    return undefined;
  }
}

/**
 * RBAC's denial, word for word:
 * `deployments.apps "web" is forbidden: User "dev" cannot get resource "deployments" in API group "apps" in the namespace "prod"`.
 */
export function forbiddenError(
  user: string,
  verb: string,
  group: string,
  resource: string,
  namespace: string | undefined,
  name?: string,
): ApiError {
  const [plural = resource, subresource] = resource.split('/', 2);
  const qualified = group ? `${plural}.${group}` : plural;
  const subject = name ? `${qualified} "${name}"` : qualified;
  const target = subresource ? `${plural}/${subresource}` : plural;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const message = `${subject} is forbidden: User "${user}" cannot ${verb} resource "${target}" in API group "${group}" ${scope}`;
  return forbidden(message, { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: plural });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
