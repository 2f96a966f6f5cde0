// A built-in object as the API server stores and serves it after decoding it
// into its Go type and encoding it again: fields tagged `omitempty` vanish at
// their zero value (an empty map or list, 0, false), and non-pointer fields
// without the tag are always there, at 0 when nothing set them. Clients that
// send `annotations: {}`, `env: []` or `minReadySeconds: 0` therefore store
// nothing new, and a fresh ReplicaSet reads `status: {replicas: 0}`.
// The tables cover object metadata, the apps workloads and Job, and the Pod
// spec they carry; other fields keep what the client sent.
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.keys(v).length === 0;
}

interface Shape {
  /** omitempty maps and lists: dropped when empty or null. */
  collections?: readonly string[];
  /** omitempty non-pointer scalars: dropped at their zero value (0, false, ''). */
  scalars?: readonly string[];
  /** Non-omitempty numbers: 0 when absent. */
  counters?: readonly string[];
}

function shape(o: Obj, s: Shape): void {
  for (const k of s.collections ?? []) if (k in o && isEmpty(o[k])) delete o[k];
  for (const k of s.scalars ?? []) if (o[k] === 0 || o[k] === false || o[k] === '' || o[k] === null) delete o[k];
  for (const k of s.counters ?? []) if (o[k] === undefined || o[k] === null) o[k] = 0;
}

// k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta
const OBJECT_META: Shape = {
  collections: ['labels', 'annotations', 'ownerReferences', 'finalizers'],
  scalars: ['generateName', 'generation'],
};

// k8s.io/api/core/v1.PodSpec (containers has no omitempty)
const POD_SPEC: Shape = {
  collections: [
    'volumes', 'initContainers', 'ephemeralContainers', 'imagePullSecrets', 'tolerations', 'hostAliases',
    'topologySpreadConstraints', 'readinessGates', 'resourceClaims', 'schedulingGates', 'nodeSelector', 'overhead',
  ],
  scalars: ['hostNetwork', 'hostPID', 'hostIPC', 'nodeName', 'hostname', 'subdomain', 'priorityClassName'],
};

// k8s.io/api/core/v1.Container
const CONTAINER: Shape = {
  collections: ['command', 'args', 'ports', 'envFrom', 'env', 'volumeMounts', 'volumeDevices', 'resizePolicy'],
  scalars: ['stdin', 'stdinOnce', 'tty', 'workingDir'],
};

/** Spec and status of the workload kinds by `group/Kind`, from k8s.io/api/apps/v1 and batch/v1 types.go. */
const WORKLOADS: Record<string, { spec: Shape; status: Shape }> = {
  'apps/Deployment': {
    spec: { scalars: ['minReadySeconds', 'paused'] },
    status: {
      collections: ['conditions'],
      scalars: ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'],
    },
  },
  'apps/ReplicaSet': {
    spec: { scalars: ['minReadySeconds'] },
    status: {
      collections: ['conditions'],
      scalars: ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
      counters: ['replicas'],
    },
  },
  'apps/StatefulSet': {
    spec: { scalars: ['minReadySeconds'] },
    status: {
      collections: ['conditions'],
      scalars: ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision'],
      counters: ['replicas', 'availableReplicas'],
    },
  },
  'apps/DaemonSet': {
    spec: { scalars: ['minReadySeconds'] },
    status: {
      collections: ['conditions'],
      scalars: ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'],
      counters: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
    },
  },
  // ready, terminating and uncountedTerminatedPods are pointers: a zero stays.
  'batch/Job': {
    spec: {},
    status: { collections: ['conditions'], scalars: ['active', 'succeeded', 'failed', 'completedIndexes', 'failedIndexes'] },
  },
};

function podSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  shape(spec, POD_SPEC);
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (Array.isArray(cs)) for (const c of cs) if (isObj(c)) shape(c, CONTAINER);
  }
}

function podTemplate(template: unknown): void {
  if (!isObj(template)) return;
  if (isObj(template.metadata)) shape(template.metadata, OBJECT_META);
  podSpec(template.spec);
}

/** The Pod templates an object of a built-in kind carries. */
function templatesOf(group: string, o: Obj): unknown[] {
  const spec = isObj(o.spec) ? o.spec : undefined;
  switch (`${group}/${String(o.kind)}`) {
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case '/ReplicationController':
    case 'batch/Job':
      return [spec?.template];
    case 'batch/CronJob': {
      const jobTemplate = isObj(spec?.jobTemplate) ? spec.jobTemplate : undefined;
      return [isObj(jobTemplate?.spec) ? jobTemplate.spec.template : undefined];
    }
    case '/PodTemplate':
      return [o.template];
    default:
      return [];
  }
}

/** A workload status (kind as `group/Kind`) as it reads back from the server: zeros of omitempty fields gone, counters filled in. */
export function storedStatus<T extends object>(kind: string, status: T): T {
  const s = WORKLOADS[kind]?.status;
  if (!s) return status;
  const out = { ...status } as Obj;
  shape(out, s);
  return out as T;
}

/** Rewrites a built-in object in place as its Go type would encode it. */
export function typedRoundTrip(group: string, o: KubeObject): void {
  const root = o as Obj;
  if (isObj(root.metadata)) shape(root.metadata, OBJECT_META);
  if (group === '' && o.kind === 'Pod') podSpec(root.spec);
  for (const t of templatesOf(group, root)) podTemplate(t);
  const workload = WORKLOADS[`${group}/${o.kind}`];
  if (!workload) return;
  if (isObj(root.spec)) shape(root.spec, workload.spec);
  if (isObj(root.status)) shape(root.status, workload.status);
}
