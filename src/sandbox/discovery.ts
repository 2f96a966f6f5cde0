// Discovery documents: /version, the legacy /api and /apis trees, and the
// aggregated discovery (apidiscovery.k8s.io/v2) kubectl 1.32 asks for first,
// which answers everything in two requests instead of one per group version.
import { createHash } from 'node:crypto';
import { SERVED_KUBERNETES_VERSION } from './openapi.js';
import { SUBRESOURCES } from './resources.js';
import type { ResourceType } from './types.js';

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: SERVED_KUBERNETES_VERSION,
    gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T16:02:27Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/**
 * Built-in groups in the order a kube-apiserver lists them (its APIService
 * group priorities, highest first; equal ones by name); custom groups follow,
 * by name.
 */
const GROUP_ORDER = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/**
 * kube-apiserver's storageVersionHash: the first 8 bytes of the SHA-256 of
 * "group/version/kind" of the version objects are stored in, base64.
 */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** The kind a subresource's requests and answers are, when not the parent's own. */
function subresourceKind(r: ResourceType, sub: string): { group: string; version: string; kind: string } | undefined {
  // Each kind's proxy has its own options type (PodProxyOptions, ServiceProxyOptions, NodeProxyOptions).
  if (sub === 'proxy') return { group: r.group, version: r.version, kind: `${r.kind}ProxyOptions` };
  return SUBRESOURCES[sub]?.kind;
}

interface GroupVersions {
  name: string;
  /** Preferred version first. */
  versions: string[];
  resources: Map<string, ResourceType[]>;
}

function groupsOf(resources: ResourceType[]): GroupVersions[] {
  const groups = new Map<string, GroupVersions>();
  for (const r of resources) {
    let g = groups.get(r.group);
    if (!g) {
      g = { name: r.group, versions: [], resources: new Map() };
      groups.set(r.group, g);
    }
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
    const list = g.resources.get(r.version) ?? [];
    list.push(r);
    g.resources.set(r.version, list);
  }
  const rank = (name: string) => {
    const i = GROUP_ORDER.indexOf(name);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return [...groups.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

const gv = (group: string, version: string) => (group ? `${group}/${version}` : version);

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: GroupVersions): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: gv(g.name, v), version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(resources: ResourceType[]): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(resources).filter((g) => g.name !== '').map(apiGroup) };
}

export function apiGroupDoc(resources: ResourceType[], group: string): Record<string, unknown> | undefined {
  const g = groupsOf(resources).find((x) => x.name === group && group !== '');
  return g && { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) };
}

export function apiResourceList(
  resources: ResourceType[],
  group: string,
  version: string,
  storageVersionOf: (r: ResourceType) => string | undefined = (r) => r.version,
): Record<string, unknown> | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const r of [...rs].sort((a, b) => a.plural.localeCompare(b.plural))) {
    out.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      ...storageHashOf(r, storageVersionOf(r)),
    });
    for (const sub of r.subresources) {
      const info = SUBRESOURCES[sub];
      const kind = subresourceKind(r, sub);
      out.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(kind && (kind.group !== group || kind.version !== version) ? { group: kind.group, version: kind.version } : {}),
        kind: kind?.kind ?? r.kind,
        verbs: info?.verbs ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv(group, version), resources: out };
}

/** Only what is kept in storage has a hash: not bindings, reviews or component statuses, which are never listed and watched. */
function storageHashOf(r: ResourceType, storageVersion: string | undefined): { storageVersionHash?: string } {
  if (!r.verbs.includes('watch') || storageVersion === undefined) return {};
  const stored = r.storedAs ?? { group: r.group, version: storageVersion, kind: r.kind };
  return { storageVersionHash: storageVersionHash(stored.group, stored.version, stored.kind) };
}

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function discoveryResource(r: ResourceType): Record<string, unknown> {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((sub) => {
            const info = SUBRESOURCES[sub];
            const kind = subresourceKind(r, sub) ?? { group: r.group, version: r.version, kind: r.kind };
            return { subresource: sub, responseKind: kind, verbs: info?.verbs ?? ['get'] };
          }),
        }
      : {}),
  };
}

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList: the core group for /api, every other group for /apis. */
export function aggregatedDiscovery(resources: ResourceType[], legacy: boolean): Record<string, unknown> {
  const items = groupsOf(resources)
    .filter((g) => (g.name === '') === legacy)
    .map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: [...(g.resources.get(v) ?? [])].sort((a, b) => a.plural.localeCompare(b.plural)).map(discoveryResource),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
