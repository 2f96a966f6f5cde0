// The REST mapper: apiVersion + kind -> resource, from discovery of just the
// group/versions a run uses (GET /api/v1, /apis/GROUP/VERSION), each fetched
// once per run. A CRD created during the run is seen after invalidate().
import { KubeError } from './errors.js';
import type { ResourceMapping } from './types.js';
import type { Transport } from './http.js';

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

interface APIResourceList {
  resources?: APIResource[];
}

export class RestMapper {
  private readonly cache = new Map<string, Promise<Map<string, ResourceMapping>>>();

  constructor(private readonly http: Transport) {}

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    const kinds = await this.groupVersion(apiVersion, signal);
    const m = kinds?.get(kind);
    if (!m) {
      throw new KubeError({
        code: 404,
        reason: 'NotFound',
        message: `no matches for kind "${kind}" in version "${apiVersion}"`,
        hint: 'ensure CRDs are installed first',
      });
    }
    return m;
  }

  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.cache.clear();
    else this.cache.delete(apiVersion);
  }

  private groupVersion(apiVersion: string, signal?: AbortSignal): Promise<Map<string, ResourceMapping> | undefined> {
    let p = this.cache.get(apiVersion);
    if (!p) {
      p = this.discover(apiVersion, signal);
      this.cache.set(apiVersion, p);
      // A failed lookup (network, abort) must not stay cached; a 404 (unknown group) may.
      p.catch(() => this.cache.delete(apiVersion));
    }
    return p;
  }

  private async discover(apiVersion: string, signal?: AbortSignal): Promise<Map<string, ResourceMapping>> {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/', 2) as [string, string]) : ['', apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    let list: APIResourceList;
    try {
      list = await this.http.json<APIResourceList>({ method: 'GET', path, signal });
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return new Map();
      throw err;
    }
    const byKind = new Map<string, ResourceMapping>();
    const subresources = new Map<string, string[]>();
    for (const r of list.resources ?? []) {
      const slash = r.name.indexOf('/');
      if (slash >= 0) {
        const parent = r.name.slice(0, slash);
        subresources.set(parent, [...(subresources.get(parent) ?? []), r.name.slice(slash + 1)]);
      }
    }
    for (const r of list.resources ?? []) {
      if (r.name.includes('/') || byKind.has(r.kind)) continue;
      byKind.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, subresources: subresources.get(r.name) ?? [] });
    }
    return byKind;
  }
}
