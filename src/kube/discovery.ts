// The REST mapper: apiVersion + kind -> resource, from discovery of just the
// group/versions a run uses (GET /api/v1, /apis/GROUP/VERSION), each fetched
// once per run. A CRD created during the run is seen after invalidate().
// Objects are identified by group and kind, not version (a CRD may move its
// custom resources from v1alpha1 to v1): resolveKind finds the version the
// server prefers now, and resourceTypes lists every kind it serves, for the
// questions only a whole view answers (what else lives in a namespace).
import { KubeError } from './errors.js';
import type { ResourceMapping } from './types.js';
import type { Transport } from './http.js';

interface APIResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

interface APIResourceList {
  resources?: APIResource[];
}

interface APIGroup {
  name: string;
  versions?: Array<{ groupVersion: string; version: string }>;
  preferredVersion?: { groupVersion: string; version: string };
}

/** A group's versions, the server's preferred one first. */
function versionsOf(g: APIGroup): string[] {
  const preferred = g.preferredVersion?.groupVersion;
  const all = (g.versions ?? []).map((v) => v.groupVersion);
  return preferred ? [preferred, ...all.filter((v) => v !== preferred)] : all;
}

function noMatch(kind: string, where: string): KubeError {
  return new KubeError({ code: 404, reason: 'NotFound', message: `no matches for kind "${kind}" in ${where}`, hint: 'ensure CRDs are installed first' });
}

export class RestMapper {
  private readonly cache = new Map<string, Promise<Map<string, ResourceMapping>>>();
  private readonly groups = new Map<string, Promise<APIGroup | undefined>>();

  constructor(private readonly http: Transport) {}

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    const kinds = await this.groupVersion(apiVersion, signal);
    const m = kinds?.get(kind);
    if (!m) throw noMatch(kind, `version "${apiVersion}"`);
    return m;
  }

  /** The kind in the version of its group the server prefers among those that serve it. */
  async resolveKind(group: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    if (group === '') return this.resolve('v1', kind, signal);
    const g = await this.cached(this.groups, group, () => this.fetchOrNone<APIGroup>(`/apis/${group}`, signal));
    for (const gv of g ? versionsOf(g) : []) {
      const m = (await this.groupVersion(gv, signal)).get(kind);
      if (m) return m;
    }
    throw noMatch(kind, `group "${group}"`);
  }

  /**
   * Every kind the server serves, each once (in its group's preferred version
   * when that serves it, else the first that does), with its verbs.
   */
  async resourceTypes(signal?: AbortSignal): Promise<ResourceMapping[]> {
    const list = await this.http.json<{ groups?: APIGroup[] }>({ method: 'GET', path: '/apis', signal });
    const versions = ['v1', ...(list.groups ?? []).flatMap(versionsOf)];
    const found = await Promise.all(versions.map((gv) => this.groupVersion(gv, signal)));
    const out = new Map<string, ResourceMapping>();
    for (const kinds of found) for (const m of kinds.values()) if (!out.has(`${m.group}/${m.kind}`)) out.set(`${m.group}/${m.kind}`, m);
    return [...out.values()];
  }

  invalidate(apiVersion?: string): void {
    // Which versions a group serves may change with any CRD: forget it too.
    this.groups.clear();
    if (apiVersion === undefined) this.cache.clear();
    else this.cache.delete(apiVersion);
  }

  private cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let p = cache.get(key);
    if (!p) {
      p = load();
      cache.set(key, p);
      // A failed lookup (network, abort) must not stay cached; a 404 (unknown group) may.
      p.catch(() => cache.delete(key));
    }
    return p;
  }

  /** The document at path, or undefined when the server has none (404). */
  private async fetchOrNone<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.http.json<T>({ method: 'GET', path, signal });
    } catch (err) {
      if (err instanceof KubeError && err.code === 404) return undefined;
      throw err;
    }
  }

  private groupVersion(apiVersion: string, signal?: AbortSignal): Promise<Map<string, ResourceMapping>> {
    return this.cached(this.cache, apiVersion, () => this.discover(apiVersion, signal));
  }

  private async discover(apiVersion: string, signal?: AbortSignal): Promise<Map<string, ResourceMapping>> {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/', 2) as [string, string]) : ['', apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const list = await this.fetchOrNone<APIResourceList>(path, signal);
    if (!list) return new Map();
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
      byKind.set(r.kind, {
        group,
        version,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
        subresources: subresources.get(r.name) ?? [],
        ...(r.verbs ? { verbs: r.verbs } : {}),
      });
    }
    return byKind;
  }
}
