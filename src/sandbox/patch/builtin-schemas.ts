// Type schemas of the built-in kinds: how their lists merge (from the patch
// metadata in list-meta.ts, which the OpenAPI documents publish too), which
// of their objects are maps or atomic (x-kubernetes-map-type), and the zero
// values of their Go types, for the fields where they differ from the
// defaults. Fields not spelled out are LOOSE: structs whose lists are atomic,
// which is what the OpenAPI says of every list without a list type.
import { fieldMeta, FIELD_META, isListMeta, type FieldMeta } from './list-meta.js';
import { LOOSE, SCALAR, type ListSchema, type MapSchema, type Schema, type StructSchema } from './schema.js';

type StructOptions = Partial<Omit<StructSchema, 'type' | 'fields'>>;

function struct(fields: Record<string, Schema>, opts: StructOptions = {}): StructSchema {
  return { type: 'struct', fields, other: LOOSE, ...opts };
}

/**
 * The struct of `type` (as @kubernetes/client-node names it): `fields`, plus
 * every field its patch metadata describes, lists typed by `items`.
 */
function typed(type: string, fields: Record<string, Schema> = {}, opts: StructOptions & { items?: Record<string, Schema> } = {}): StructSchema {
  const { items = {}, ...structOpts } = opts;
  const all = { ...fields };
  for (const [name, meta] of Object.entries(FIELD_META[type] ?? {})) {
    if (isListMeta(meta)) {
      if (Object.hasOwn(fields, name)) throw new Error(`${type}.${name}: a list field's schema comes from its patch metadata`);
      all[name] = list(meta, items[name]);
    } else {
      all[name] = { ...(fields[name] ?? LOOSE), patch: { strategy: meta.strategy } };
    }
  }
  for (const name of Object.keys(items)) {
    const meta = fieldMeta(type, name);
    if (!meta || !isListMeta(meta)) throw new Error(`${type}.${name}: items given for a field with no list metadata`);
  }
  return struct(all, structOpts);
}

/**
 * A list as structured-merge-diff types it: an explicit list type wins;
 * otherwise patchStrategy=merge makes a map keyed by the merge key (or a set of
 * scalars without one), and anything else is atomic.
 */
function list(meta: FieldMeta, items?: Schema): ListSchema {
  const merges = meta.strategy?.split(',').includes('merge') ?? false;
  const listType = meta.listType ?? (merges ? (meta.mergeKey ? 'map' : 'set') : 'atomic');
  const keys = listType === 'map' ? (meta.mapKeys ?? (meta.mergeKey ? [meta.mergeKey] : [])) : undefined;
  return {
    type: 'list',
    listType,
    ...(keys && { keys }),
    items: items ?? (listType === 'set' ? SCALAR : LOOSE),
    ...(meta.strategy && { patch: { strategy: meta.strategy, ...(meta.mergeKey && { mergeKey: meta.mergeKey }) } }),
    ...(meta.keyDefaults && { keyDefaults: meta.keyDefaults }),
  };
}

/** A non-pointer Go struct: present as `{}` in its parent's zero value. */
function always(s: StructSchema): StructSchema {
  return { ...s, always: true };
}

const ATOMIC_STRUCT: StructSchema = struct({}, { atomic: true });
const STRING_MAP: MapSchema = { type: 'map', values: SCALAR };
const ATOMIC_MAP: MapSchema = { type: 'map', values: SCALAR, atomic: true };

// A zero ObjectMeta still serializes creationTimestamp (as null): Go's omitempty does not omit structs.
export const OBJECT_META = always(
  typed('V1ObjectMeta', { labels: STRING_MAP, annotations: STRING_MAP }, { zero: { creationTimestamp: null } }),
);

// The selectors of EnvVarSource are atomic structs.
const ENV_VAR = struct({
  valueFrom: struct({ fieldRef: ATOMIC_STRUCT, resourceFieldRef: ATOMIC_STRUCT, configMapKeyRef: ATOMIC_STRUCT, secretKeyRef: ATOMIC_STRUCT }),
});

const CONTAINER = typed(
  'V1Container',
  { resources: always(typed('V1ResourceRequirements', { limits: STRING_MAP, requests: STRING_MAP })) },
  { items: { env: ENV_VAR } },
);

const POD_SPEC = typed(
  'V1PodSpec',
  { nodeSelector: ATOMIC_MAP, overhead: STRING_MAP },
  { items: { initContainers: CONTAINER, containers: CONTAINER, ephemeralContainers: CONTAINER }, zero: { containers: null } },
);

const POD_TEMPLATE = always(struct({ metadata: OBJECT_META, spec: always(POD_SPEC) }));

const JOB_SPEC = struct({ selector: ATOMIC_STRUCT, template: POD_TEMPLATE });

/** A kind of type `type`: standard metadata, and a spec and status when it has them. */
function kind(type: string, spec: StructSchema | undefined, status: StructSchema | undefined, extra: Record<string, Schema> = {}): StructSchema {
  return typed(type, {
    metadata: OBJECT_META,
    ...(spec && { spec: always(spec) }),
    ...(status && { status }),
    ...extra,
  });
}

/** The status of type `type`: a non-pointer struct whose lists are those of its patch metadata. */
function status(type: string, fields: Record<string, Schema> = {}): StructSchema {
  return always(typed(type, fields));
}

/** Schemas by `group/Kind` (core kinds under `/Kind`). */
export const BUILTIN_SCHEMAS: Record<string, StructSchema> = {
  '/Pod': kind('V1Pod', POD_SPEC, status('V1PodStatus')),
  '/PodTemplate': kind('V1PodTemplate', undefined, undefined, { template: POD_TEMPLATE }),
  '/Service': kind('V1Service', typed('V1ServiceSpec', { selector: ATOMIC_MAP }), status('V1ServiceStatus')),
  '/ConfigMap': kind('V1ConfigMap', undefined, undefined, { data: STRING_MAP, binaryData: STRING_MAP }),
  '/Secret': kind('V1Secret', undefined, undefined, { data: STRING_MAP, stringData: STRING_MAP }),
  '/Namespace': kind('V1Namespace', typed('V1NamespaceSpec'), status('V1NamespaceStatus')),
  '/ServiceAccount': kind('V1ServiceAccount', undefined, undefined),
  '/Node': kind('V1Node', typed('V1NodeSpec'), status('V1NodeStatus', { capacity: STRING_MAP, allocatable: STRING_MAP })),
  '/PersistentVolumeClaim': kind(
    'V1PersistentVolumeClaim',
    typed('V1PersistentVolumeClaimSpec', { selector: ATOMIC_STRUCT }),
    status('V1PersistentVolumeClaimStatus', { capacity: STRING_MAP }),
  ),
  'apps/Deployment': kind(
    'V1Deployment',
    typed('V1DeploymentSpec', { selector: ATOMIC_STRUCT, template: POD_TEMPLATE, strategy: always(struct({})) }),
    status('V1DeploymentStatus'),
  ),
  'apps/ReplicaSet': kind('V1ReplicaSet', typed('V1ReplicaSetSpec', { selector: ATOMIC_STRUCT, template: POD_TEMPLATE }), status('V1ReplicaSetStatus')),
  'apps/StatefulSet': kind(
    'V1StatefulSet',
    typed('V1StatefulSetSpec', { selector: ATOMIC_STRUCT, template: POD_TEMPLATE, updateStrategy: always(struct({})) }),
    status('V1StatefulSetStatus'),
  ),
  'apps/DaemonSet': kind(
    'V1DaemonSet',
    typed('V1DaemonSetSpec', { selector: ATOMIC_STRUCT, template: POD_TEMPLATE, updateStrategy: always(struct({})) }),
    status('V1DaemonSetStatus'),
  ),
  'batch/Job': kind('V1Job', JOB_SPEC, status('V1JobStatus')),
  'batch/CronJob': kind(
    'V1CronJob',
    struct({ jobTemplate: always(struct({ metadata: OBJECT_META, spec: always(JOB_SPEC) })) }),
    status('V1CronJobStatus'),
  ),
  'autoscaling/HorizontalPodAutoscaler': kind('V2HorizontalPodAutoscaler', struct({}), status('V2HorizontalPodAutoscalerStatus')),
  'policy/PodDisruptionBudget': kind(
    'V1PodDisruptionBudget',
    typed('V1PodDisruptionBudgetSpec', { selector: ATOMIC_STRUCT }),
    status('V1PodDisruptionBudgetStatus'),
  ),
  'networking.k8s.io/Ingress': kind('V1Ingress', struct({}), status('V1IngressStatus')),
};

/** The schema of a built-in kind the table does not list: any object with standard metadata. */
export const GENERIC_BUILTIN: StructSchema = struct({ metadata: OBJECT_META });
