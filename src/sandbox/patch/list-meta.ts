// The patch metadata of the built-in types: the patchStrategy / patchMergeKey
// tags of the Go types and their +listType / +listMapKey markers. The server's
// strategic merge patch and server-side apply (builtin-schemas.ts) and the
// published OpenAPI documents (openapi-schemas.ts), from which kubectl computes
// its client-side patches, are both built from this one table, so the two
// sides cannot disagree on how a list merges.
import type { PatchMeta } from './schema.js';

export interface FieldMeta {
  strategy?: PatchMeta['strategy'];
  mergeKey?: string;
  /** +listType; when absent, structured-merge-diff deduces it from the patch strategy. */
  listType?: 'atomic' | 'set' | 'map';
  /** +listMapKey, when the keys are not just the merge key. */
  mapKeys?: string[];
  /** Defaults of key fields: an item may omit them and still be addressable. */
  keyDefaults?: Record<string, unknown>;
}

const MERGE_BY_TYPE: FieldMeta = { strategy: 'merge', mergeKey: 'type' };
const byKey = (mergeKey: string): FieldMeta => ({ strategy: 'merge', mergeKey });

// Init, regular and ephemeral containers merge their lists alike (the first two share a type).
const CONTAINER_LISTS: Record<string, FieldMeta> = {
  ports: { ...byKey('containerPort'), listType: 'map', mapKeys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } },
  env: byKey('name'),
  volumeMounts: byKey('mountPath'),
  volumeDevices: byKey('devicePath'),
  resizePolicy: { listType: 'atomic' },
};

/**
 * By type, as @kubernetes/client-node names it, then by JSON field name. Fields
 * not listed have no patch metadata: their lists are atomic.
 */
export const FIELD_META: Readonly<Record<string, Readonly<Record<string, FieldMeta>>>> = {
  V1ObjectMeta: {
    ownerReferences: { ...byKey('uid'), listType: 'map', mapKeys: ['uid'] },
    finalizers: { strategy: 'merge', listType: 'set' },
    managedFields: { listType: 'atomic' },
  },
  V1PodSpec: {
    containers: byKey('name'),
    initContainers: byKey('name'),
    ephemeralContainers: byKey('name'),
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
    imagePullSecrets: byKey('name'),
    hostAliases: byKey('ip'),
    topologySpreadConstraints: { ...byKey('topologyKey'), listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', mapKeys: ['name'] },
    schedulingGates: { ...byKey('name'), listType: 'map', mapKeys: ['name'] },
  },
  V1PodStatus: { conditions: MERGE_BY_TYPE, podIPs: byKey('ip'), hostIPs: byKey('ip') },
  V1Container: CONTAINER_LISTS,
  V1EphemeralContainer: CONTAINER_LISTS,
  V1ResourceRequirements: { claims: { listType: 'map', mapKeys: ['name'] } },
  V1ServiceSpec: { ports: { ...byKey('port'), listType: 'map', mapKeys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } } },
  V1ServiceStatus: { conditions: { ...MERGE_BY_TYPE, listType: 'map', mapKeys: ['type'] } },
  V1ServiceAccount: { secrets: byKey('name') },
  V1NodeSpec: { podCIDRs: { strategy: 'merge', listType: 'set' } },
  V1NodeStatus: { conditions: MERGE_BY_TYPE, addresses: MERGE_BY_TYPE },
  V1NamespaceStatus: { conditions: MERGE_BY_TYPE },
  V1PersistentVolumeClaimStatus: { conditions: MERGE_BY_TYPE },
  V1ReplicationControllerStatus: { conditions: MERGE_BY_TYPE },
  V1DeploymentSpec: { strategy: { strategy: 'retainKeys' } },
  V1DeploymentStatus: { conditions: MERGE_BY_TYPE },
  V1ReplicaSetStatus: { conditions: MERGE_BY_TYPE },
  V1StatefulSetStatus: { conditions: MERGE_BY_TYPE },
  V1DaemonSetStatus: { conditions: MERGE_BY_TYPE },
  // Merged by a patch, yet owned as a whole by server-side apply.
  V1JobStatus: { conditions: { ...MERGE_BY_TYPE, listType: 'atomic' } },
  V2HorizontalPodAutoscalerStatus: { conditions: { ...MERGE_BY_TYPE, listType: 'map', mapKeys: ['type'] } },
  V1PodDisruptionBudgetStatus: { conditions: { ...MERGE_BY_TYPE, listType: 'map', mapKeys: ['type'] } },
  V1CustomResourceDefinitionStatus: { conditions: { listType: 'map', mapKeys: ['type'] } },
};

/** The metadata of `type.field`, if it has any. */
export function fieldMeta(type: string, field: string): FieldMeta | undefined {
  const fields = FIELD_META[type];
  return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** Whether the metadata describes a list; `retainKeys` alone tags structs (Deployment's strategy). */
export function isListMeta(meta: FieldMeta): boolean {
  return meta.strategy !== 'retainKeys';
}
