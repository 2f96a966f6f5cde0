// Request paths to request info, as apiserver's RequestInfoFactory reads them:
//   /api/v1/[watch/][namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
//   /apis/<group>/<version>/[watch/][namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
// `/api/v1/namespaces/<name>[/status|/finalize]` is the namespaces resource itself.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  type: 'resource';
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The path had a /watch/ segment. */
  watchPath: boolean;
}

export interface DiscoveryRequest {
  type: 'discovery';
  /** '' for /api, undefined for /apis. */
  group?: string;
  version?: string;
  legacy: boolean;
}

export type ParsedPath = ResourceRequest | DiscoveryRequest | { type: 'other'; path: string };

/** Subresources of a namespace, which must not be read as a namespaced resource's plural. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function parseResourceParts(group: string, version: string, parts: string[]): ResourceRequest | undefined {
  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const [plural, name, subresource, ...extra] = parts;
  if (!plural || extra.length > 0) return undefined;
  return {
    type: 'resource',
    group,
    version,
    plural,
    watchPath,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

export function parsePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'discovery', group: '', legacy: true };
    if (parts.length === 2) return { type: 'discovery', group: '', version: parts[1], legacy: true };
    return parseResourceParts('', parts[1]!, parts.slice(2)) ?? { type: 'other', path: pathname };
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'discovery', legacy: false };
    if (parts.length === 2) return { type: 'discovery', group: parts[1], legacy: false };
    if (parts.length === 3) return { type: 'discovery', group: parts[1], version: parts[2], legacy: false };
    return parseResourceParts(parts[1]!, parts[2]!, parts.slice(3)) ?? { type: 'other', path: pathname };
  }
  return { type: 'other', path: pathname };
}

/** The Kubernetes verb of a request, as RBAC and audit name it. */
export function verbOf(method: string, req: ResourceRequest, query: URLSearchParams): Verb | undefined {
  const watchParam = query.get('watch');
  const watch = req.watchPath || watchParam === 'true' || watchParam === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (watch) return 'watch';
      return req.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return req.name === undefined ? 'deletecollection' : 'delete';
    default:
      return undefined;
  }
}
