// The built-in resource table: what a v1.32 API server serves for the kinds a
// deployment tool touches, with the discovery facts kubectl relies on (short
// names, categories, verbs, subresources) and the registry traits that shape
// writes (generation tracking, status subresource, name rules).
import type { ResourceType } from './types.js';

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';

/** Per-resource registry behaviour, as in the resource's strategy in kubernetes/pkg/registry. */
export interface ResourceTraits {
  /** metadata.generation is set and bumped on spec changes. */
  generation: boolean;
  /** PUT/PATCH of the main resource keep the stored .status; /status writes only .status. */
  statusSubresource: boolean;
  /** .status is emptied on create (the object's controller fills it in). */
  resetStatusOnCreate: boolean;
  /** DELETE answers with the deleted object rather than a Status. */
  returnDeletedObject: boolean;
  /** PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  nameRule: NameRule;
}

export interface SubresourceInfo {
  verbs: string[];
  /** Group/version/kind of the subresource's body; undefined means the parent's. */
  kind?: { group: string; version: string; kind: string };
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const RW_NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const GPU = ['get', 'patch', 'update'];

/** Subresource facts for discovery; a subresource named here is listed for every resource that declares it. */
export const SUBRESOURCES: Record<string, SubresourceInfo> = {
  status: { verbs: GPU },
  scale: { verbs: GPU, kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } },
  finalize: { verbs: ['update'] },
  log: { verbs: ['get'], kind: { group: '', version: 'v1', kind: 'Pod' } },
  exec: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodExecOptions' } },
  attach: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodAttachOptions' } },
  portforward: { verbs: ['create', 'get'], kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' } },
  binding: { verbs: ['create'], kind: { group: '', version: 'v1', kind: 'Binding' } },
  eviction: { verbs: ['create'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
  ephemeralcontainers: { verbs: GPU },
  resize: { verbs: GPU },
  proxy: { verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  token: { verbs: ['create'], kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } },
  approval: { verbs: GPU },
};

interface Spec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: string[];
  traits?: Partial<ResourceTraits>;
  /** Kept as another group's kind (events.k8s.io Events are core Events in storage). */
  storedAs?: StoredAs;
}

export interface StoredAs {
  group: string;
  version: string;
  kind: string;
}

export interface BuiltinResource {
  type: ResourceType;
  traits: ResourceTraits;
}

const DEFAULT_TRAITS: ResourceTraits = {
  generation: false,
  statusSubresource: false,
  resetStatusOnCreate: false,
  returnDeletedObject: false,
  allowCreateOnUpdate: false,
  nameRule: 'subdomain',
};

/** Traits of workload kinds owned by a controller that reports status. */
const WORKLOAD: Partial<ResourceTraits> = { generation: true, statusSubresource: true, resetStatusOnCreate: true };

function builtin(s: Spec): BuiltinResource {
  return {
    type: {
      group: s.group,
      version: s.version,
      kind: s.kind,
      plural: s.plural,
      singular: s.kind.toLowerCase(),
      namespaced: s.namespaced ?? true,
      shortNames: s.shortNames ?? [],
      categories: s.categories ?? [],
      verbs: s.verbs ?? RW,
      subresources: s.subresources ?? [],
      listKind: `${s.kind}List`,
      ...(s.storedAs ? { storedAs: s.storedAs } : {}),
    },
    traits: { ...DEFAULT_TRAITS, ...s.traits },
  };
}

export const BUILTIN_RESOURCES: readonly BuiltinResource[] = [
  builtin({
    group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'],
    verbs: RW_NO_COLLECTION, subresources: ['finalize', 'status'],
    traits: { statusSubresource: true, resetStatusOnCreate: true, returnDeletedObject: true, nameRule: 'label' },
  }),
  builtin({
    group: '', version: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'], categories: ['all'],
    subresources: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status'],
    traits: { statusSubresource: true, resetStatusOnCreate: true, returnDeletedObject: true },
  }),
  builtin({
    group: '', version: 'v1', kind: 'Service', plural: 'services', shortNames: ['svc'], categories: ['all'],
    subresources: ['proxy', 'status'],
    traits: { statusSubresource: true, resetStatusOnCreate: true, returnDeletedObject: true, nameRule: 'dns1035' },
  }),
  builtin({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }),
  builtin({ group: '', version: 'v1', kind: 'Binding', plural: 'bindings', verbs: ['create'] }),
  builtin({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets' }),
  builtin({ group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'], subresources: ['token'] }),
  builtin({ group: '', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], traits: { allowCreateOnUpdate: true } }),
  builtin({ group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'], traits: { allowCreateOnUpdate: true } }),
  builtin({
    group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'],
    subresources: ['proxy', 'status'], traits: { statusSubresource: true },
  }),
  builtin({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], subresources: ['status'], traits: { statusSubresource: true, resetStatusOnCreate: true } }),
  builtin({
    group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ['all'],
    subresources: ['scale', 'status'], traits: WORKLOAD,
  }),
  builtin({
    group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], categories: ['all'],
    subresources: ['scale', 'status'], traits: WORKLOAD,
  }),
  builtin({
    group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], categories: ['all'],
    subresources: ['scale', 'status'], traits: WORKLOAD,
  }),
  builtin({
    group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], categories: ['all'],
    subresources: ['status'], traits: WORKLOAD,
  }),
  builtin({ group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions' }),
  builtin({
    group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', shortNames: ['rc'], categories: ['all'],
    subresources: ['scale', 'status'], traits: WORKLOAD,
  }),
  builtin({ group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates' }),
  builtin({ group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', shortNames: ['quota'], subresources: ['status'], traits: { statusSubresource: true, resetStatusOnCreate: true } }),
  builtin({ group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', shortNames: ['limits'] }),
  builtin({ group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: ['status'], traits: { statusSubresource: true, resetStatusOnCreate: true } }),
  builtin({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices' }),
  builtin({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', shortNames: ['netpol'], traits: { generation: true } }),
  builtin({ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false }),
  builtin({
    group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'],
    subresources: ['status'], traits: { statusSubresource: true, resetStatusOnCreate: true },
  }),
  builtin({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], subresources: ['status'], traits: { generation: true, statusSubresource: true, resetStatusOnCreate: true } }),
  builtin({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] }),
  builtin({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles' }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings' }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false }),
  builtin({ group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', categories: ['all'], subresources: ['status'], traits: WORKLOAD }),
  builtin({
    group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], categories: ['all'],
    subresources: ['status'], traits: WORKLOAD,
  }),
  builtin({
    group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', shortNames: ['ing'],
    subresources: ['status'], traits: { generation: true, statusSubresource: true, resetStatusOnCreate: true },
  }),
  builtin({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', traits: { allowCreateOnUpdate: true } }),
  builtin({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] }),
  builtin({ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'] }),
  builtin({ group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: ['create'] }),
  builtin({ group: '', version: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'] }),
  builtin({
    group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'],
    subresources: ['status'], traits: { statusSubresource: true, resetStatusOnCreate: true },
  }),
  builtin({
    group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], traits: { allowCreateOnUpdate: true },
    storedAs: { group: '', version: 'v1', kind: 'Event' },
  }),
  builtin({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: ['create'] }),
  builtin({ group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', verbs: ['create'] }),
  builtin({ group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: ['create'] }),
  ...(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'] as const).map((kind) =>
    builtin({
      group: 'admissionregistration.k8s.io', version: 'v1', kind, plural: `${kind.toLowerCase()}s`.replace(/ys$/, 'ies'), namespaced: false,
      categories: ['api-extensions'], ...(kind === 'ValidatingAdmissionPolicy' ? { subresources: ['status'], traits: { generation: true, statusSubresource: true } } : {}),
    }),
  ),
  builtin({
    group: 'apiregistration.k8s.io', version: 'v1', kind: 'APIService', plural: 'apiservices', namespaced: false, categories: ['api-extensions'],
    subresources: ['status'], traits: { statusSubresource: true },
  }),
  builtin({
    group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false, shortNames: ['csr'],
    subresources: ['approval', 'status'], traits: { statusSubresource: true },
  }),
  builtin({ group: 'flowcontrol.apiserver.k8s.io', version: 'v1', kind: 'FlowSchema', plural: 'flowschemas', namespaced: false, subresources: ['status'], traits: { statusSubresource: true } }),
  builtin({
    group: 'flowcontrol.apiserver.k8s.io', version: 'v1', kind: 'PriorityLevelConfiguration', plural: 'prioritylevelconfigurations', namespaced: false,
    subresources: ['status'], traits: { statusSubresource: true },
  }),
  builtin({ group: 'node.k8s.io', version: 'v1', kind: 'RuntimeClass', plural: 'runtimeclasses', namespaced: false }),
  builtin({ group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', plural: 'csidrivers', namespaced: false }),
  builtin({ group: 'storage.k8s.io', version: 'v1', kind: 'CSINode', plural: 'csinodes', namespaced: false }),
  builtin({ group: 'storage.k8s.io', version: 'v1', kind: 'CSIStorageCapacity', plural: 'csistoragecapacities' }),
  builtin({
    group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttachment', plural: 'volumeattachments', namespaced: false,
    subresources: ['status'], traits: { statusSubresource: true },
  }),
  builtin({
    group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions',
    namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'],
    traits: { generation: true, statusSubresource: true, resetStatusOnCreate: true },
  }),
];

/** Traits of a custom resource: CRs always track generation; status per the CRD. */
export function customResourceTraits(hasStatus: boolean): ResourceTraits {
  return { ...DEFAULT_TRAITS, generation: true, statusSubresource: hasStatus, resetStatusOnCreate: hasStatus };
}

export function apiVersionOf(res: Pick<ResourceType, 'group' | 'version'>): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/** Key of a resource's storage: one per group and plural, shared by all its versions. */
export function storageKey(res: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${res.group}/${res.plural}`;
}

interface Served {
  type: ResourceType;
  traits: ResourceTraits;
  /** The version objects are kept in; other served versions are views of the same storage. */
  storageVersion: string;
  schema?: unknown;
  /** Listed in discovery and OpenAPI (a CRD's resources only once it is Established). */
  discoverable: boolean;
  /** Its CRD is being deleted: no new objects. */
  terminating: boolean;
}

/**
 * The resources being served: the built-ins plus whatever established CRDs
 * add. Lookups are by map, never by scanning, since every request does one.
 */
export class ResourceRegistry {
  private readonly byPath = new Map<string, Served>();
  /** group/plural -> the preferred version's entry. */
  private readonly preferred = new Map<string, Served>();
  private readonly byKind = new Map<string, Served>();

  constructor(builtins: readonly BuiltinResource[] = BUILTIN_RESOURCES) {
    // A kind served in several versions (autoscaling v2 and v1) is one storage, the highest version preferred and stored.
    const byKey = new Map<string, BuiltinResource[]>();
    for (const b of builtins) byKey.set(storageKey(b.type), [...(byKey.get(storageKey(b.type)) ?? []), b]);
    for (const versions of byKey.values()) {
      const sorted = [...versions].sort((a, b) => Number(b.type.version.slice(1)) - Number(a.type.version.slice(1)));
      this.register(sorted.map((b) => b.type), sorted[0]!.traits);
    }
  }

  /**
   * Serves `versions` (first one preferred) of one resource; replaces what was
   * served for its group/plural. `schema` is a CRD's openAPIV3Schema.
   */
  register(
    versions: ResourceType[],
    traits: ResourceTraits,
    storageVersion = versions[0]?.version ?? '',
    schema?: unknown,
    state: { discoverable?: boolean; terminating?: boolean } = {},
  ): void {
    const first = versions[0];
    if (!first) return;
    this.unregister(first.group, first.plural);
    for (const type of versions) {
      const served: Served = { type, traits, storageVersion, schema, discoverable: state.discoverable ?? true, terminating: state.terminating ?? false };
      this.byPath.set(`${type.group}/${type.version}/${type.plural}`, served);
      if (type === first) {
        this.preferred.set(storageKey(type), served);
        this.byKind.set(`${type.group}/${type.kind}`, served);
      }
    }
  }

  unregister(group: string, plural: string): void {
    const cur = this.preferred.get(`${group}/${plural}`);
    if (!cur) return;
    for (const [k, s] of this.byPath) if (s.type.group === group && s.type.plural === plural) this.byPath.delete(k);
    this.preferred.delete(`${group}/${plural}`);
    this.byKind.delete(`${group}/${cur.type.kind}`);
  }

  at(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`)?.type;
  }

  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.preferred.get(`${group}/${plural}`)?.type;
  }

  forKind(group: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${group}/${kind}`)?.type;
  }

  traits(res: Pick<ResourceType, 'group' | 'plural'>): ResourceTraits {
    return this.preferred.get(storageKey(res))?.traits ?? DEFAULT_TRAITS;
  }

  storageVersion(res: Pick<ResourceType, 'group' | 'plural'>): string | undefined {
    return this.preferred.get(storageKey(res))?.storageVersion;
  }

  customSchema(res: Pick<ResourceType, 'group' | 'plural'>): unknown {
    return this.preferred.get(storageKey(res))?.schema;
  }

  /** Every served group/version/resource. */
  all(): ResourceType[] {
    return [...this.byPath.values()].map((s) => s.type);
  }

  /** The served group/version/resources that discovery lists. */
  discoverable(): ResourceType[] {
    return [...this.byPath.values()].filter((s) => s.discoverable).map((s) => s.type);
  }

  terminating(res: Pick<ResourceType, 'group' | 'plural'>): boolean {
    return this.preferred.get(storageKey(res))?.terminating ?? false;
  }

  preferredTypes(): ResourceType[] {
    return [...this.preferred.values()].map((s) => s.type);
  }
}
