// Server-side defaulting, as kubernetes/pkg/apis/*/v1/defaults.go and the
// admission plugins a default cluster runs fill objects in. Every write is
// defaulted, so a PUT that drops a defaulted field gets it back, and clients
// comparing live objects with their manifests see exactly a cluster's output.
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(parent: Obj, key: string): Obj {
  const cur = parent[key];
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) return cur as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter((x): x is Obj => x !== null && typeof x === 'object') : [];
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** `:latest` or no tag pulls every time; a pinned tag or digest only when missing. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (p === null || typeof p !== 'object') return;
  const probe = p as Obj;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  const http = probe.httpGet as Obj | undefined;
  if (http && typeof http === 'object') {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
}

function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const port of objects(c.ports)) setDefault(port, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
  for (const env of objects(c.env)) {
    const fieldRef = (env.valueFrom as Obj | undefined)?.fieldRef as Obj | undefined;
    if (fieldRef && typeof fieldRef === 'object') setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) defaultContainer(c);
  for (const v of objects(spec.volumes)) {
    for (const source of ['configMap', 'secret']) {
      const s = v[source] as Obj | undefined;
      if (s && typeof s === 'object') setDefault(s, 'defaultMode', 420);
    }
  }
}

function defaultPodTemplate(parentSpec: Obj): void {
  const template = obj(parentSpec, 'template');
  const meta = obj(template, 'metadata');
  // metav1.Time is not omitempty: templates always carry a null timestamp.
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  defaultPodSpec(obj(template, 'spec'));
}

/** What the admission chain of a default cluster adds to a new Pod. */
function defaultPod(pod: KubeObject): void {
  const spec = obj(pod, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  // DefaultTolerationSeconds: five minutes on a failing node, unless the Pod
  // already tolerates that taint (an empty key or effect tolerates any).
  const tolerations = objects(spec.tolerations);
  for (const t of ['not-ready', 'unreachable']) {
    const key = `node.kubernetes.io/${t}`;
    const tolerated = tolerations.some((x) => (x.key === key || !x.key) && (x.effect === 'NoExecute' || !x.effect));
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

/** Hands out Service cluster IPs and node ports, as the service registry's allocators do. */
export class ServiceAllocator {
  private nextIp = 2; // 10.96.0.1 belongs to the `kubernetes` Service.
  private nextPort = 30000;
  private readonly usedIps = new Set<string>(['10.96.0.1']);
  private readonly usedPorts = new Set<number>();

  clusterIP(): string {
    for (;;) {
      const n = this.nextIp++;
      const ip = `10.96.${(n >> 8) & 255}.${n & 255}`;
      if ((n & 255) !== 0 && !this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
  }

  nodePort(): number {
    while (this.usedPorts.has(this.nextPort)) this.nextPort = this.nextPort >= 32767 ? 30000 : this.nextPort + 1;
    this.usedPorts.add(this.nextPort);
    return this.nextPort;
  }

  reserve(ip: string | undefined, ports: number[]): void {
    if (ip) this.usedIps.add(ip);
    for (const p of ports) this.usedPorts.add(p);
  }
}

function defaultService(svc: KubeObject, old: KubeObject | undefined, alloc: ServiceAllocator): void {
  const spec = obj(svc, 'spec');
  const oldSpec = (old?.spec ?? {}) as Obj;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const type = spec.type;
  if (type === 'ExternalName') return;
  // An update that leaves out allocated values keeps them (the registry patches them in).
  if (spec.clusterIP === undefined && oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
  if (spec.clusterIPs === undefined && oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
  if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = alloc.clusterIP();
  setDefault(spec, 'clusterIPs', [spec.clusterIP]);
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  const needsNodePort = type === 'NodePort' || type === 'LoadBalancer';
  if (needsNodePort) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  const oldPorts = objects(oldSpec.ports);
  for (const port of objects(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port.port);
    if (needsNodePort && port.nodePort === undefined) {
      const prev = oldPorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === port.protocol);
      port.nodePort = typeof prev?.nodePort === 'number' ? prev.nodePort : alloc.nodePort();
    }
  }
}

function defaultJobSpec(spec: Obj): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultPodTemplate(spec);
}

/** A new Job without a manual selector selects its Pods by its own uid (job registry's generateSelector). */
function generateJobSelector(job: KubeObject): void {
  const spec = obj(job, 'spec');
  const uid = job.metadata.uid;
  if (spec.manualSelector === true || !uid || spec.selector !== undefined) return;
  const name = job.metadata.name ?? '';
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const meta = obj(obj(spec, 'template'), 'metadata');
  meta.labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
    ...(meta.labels as Record<string, string> | undefined),
  };
}

export interface DefaultingContext {
  /** The stored object an update replaces. */
  old?: KubeObject;
  services: ServiceAllocator;
}

/** Fills in server-side defaults in place. `group` is '' for core. */
export function applyDefaults(group: string, o: KubeObject, ctx: DefaultingContext): void {
  const spec = () => obj(o, 'spec');
  switch (`${group}/${o.kind}`) {
    case 'apps/Deployment': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      const strategy = obj(s, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      defaultPodTemplate(s);
      break;
    }
    case 'apps/ReplicaSet':
      setDefault(spec(), 'replicas', 1);
      defaultPodTemplate(spec());
      break;
    case '/ReplicationController': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      // An RC without a selector selects its template's labels.
      const labels = ((s.template as Obj | undefined)?.metadata as Obj | undefined)?.labels;
      if (s.selector === undefined && labels) s.selector = { ...(labels as object) };
      defaultPodTemplate(s);
      break;
    }
    case 'apps/StatefulSet': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      const us = obj(s, 'updateStrategy');
      // rollingUpdate is added only along with a defaulted type: an explicit
      // `type: RollingUpdate` alone stays so (SetDefaults_StatefulSet).
      if (us.type === undefined || us.type === null || us.type === '') {
        us.type = 'RollingUpdate';
        setDefault(us, 'rollingUpdate', {});
      }
      const ru = us.rollingUpdate;
      if (us.type === 'RollingUpdate' && ru !== null && typeof ru === 'object') setDefault(ru as Obj, 'partition', 0);
      setDefault(s, 'revisionHistoryLimit', 10);
      const retention = obj(s, 'persistentVolumeClaimRetentionPolicy');
      setDefault(retention, 'whenDeleted', 'Retain');
      setDefault(retention, 'whenScaled', 'Retain');
      defaultPodTemplate(s);
      break;
    }
    case 'apps/DaemonSet': {
      const s = spec();
      const us = obj(s, 'updateStrategy');
      setDefault(us, 'type', 'RollingUpdate');
      if (us.type === 'RollingUpdate') {
        const ru = obj(us, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      defaultPodTemplate(s);
      break;
    }
    case 'batch/Job':
      defaultJobSpec(spec());
      if (!ctx.old) generateJobSelector(o);
      break;
    case 'batch/CronJob': {
      const s = spec();
      setDefault(s, 'concurrencyPolicy', 'Allow');
      setDefault(s, 'suspend', false);
      setDefault(s, 'successfulJobsHistoryLimit', 3);
      setDefault(s, 'failedJobsHistoryLimit', 1);
      const jobSpec = obj(obj(s, 'jobTemplate'), 'spec');
      setDefault(jobSpec, 'backoffLimit', 6);
      setDefault(jobSpec, 'completionMode', 'NonIndexed');
      setDefault(jobSpec, 'suspend', false);
      setDefault(jobSpec, 'podReplacementPolicy', 'TerminatingOrFailed');
      defaultPodTemplate(jobSpec);
      break;
    }
    case '/Pod':
      defaultPod(o);
      break;
    case '/Service':
      defaultService(o, ctx.old, ctx.services);
      break;
    case '/Secret':
      setDefault(o, 'type', 'Opaque');
      break;
    case '/Namespace': {
      const name = o.metadata.name;
      if (name) o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': name };
      setDefault(spec(), 'finalizers', ['kubernetes']);
      break;
    }
    case '/PersistentVolumeClaim':
      setDefault(spec(), 'volumeMode', 'Filesystem');
      break;
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      setDefault(obj(spec(), 'conversion'), 'strategy', 'None');
      break;
  }
}

/** The status a new object starts with, where its registry sets one. */
export function initialStatus(group: string, kind: string): Obj | undefined {
  switch (`${group}/${kind}`) {
    case '/Pod':
      return { phase: 'Pending' };
    case '/Namespace':
      return { phase: 'Active' };
    case '/Service':
      return { loadBalancer: {} };
    case '/PersistentVolumeClaim':
      return { phase: 'Pending' };
    case 'networking.k8s.io/Ingress':
      return { loadBalancer: {} };
    default:
      return {};
  }
}

/** The parts of a CRD's structural schema that pruning and defaulting read. */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema | boolean;
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

/**
 * Drops fields the schema does not declare and fills in its `default`s, as the
 * API server does for a custom resource with a structural schema. apiVersion,
 * kind and metadata at the root are the server's own.
 */
export function pruneAndDefault(o: KubeObject, schema: StructuralSchema): void {
  const root = o as Obj;
  for (const key of Object.keys(root)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    const sub = schema.properties?.[key];
    if (sub && dropNull(root, key, sub)) continue;
    if (sub) root[key] = walkSchema(root[key], sub);
    else if (!keepsUnknown(schema)) delete root[key];
  }
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (root[key] === undefined && sub.default !== undefined && key !== 'metadata') root[key] = structuredClone(sub.default);
  }
}

/** A null where the schema does not allow one is dropped (the default fills it in later, if there is one). */
function dropNull(o: Obj, key: string, s: StructuralSchema): boolean {
  if (o[key] !== null || s.nullable) return false;
  delete o[key];
  return true;
}

function keepsUnknown(s: StructuralSchema): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties !== undefined;
}

function walkSchema(v: unknown, s: StructuralSchema): unknown {
  if (Array.isArray(v)) return s.items ? v.map((x) => walkSchema(x, s.items!)) : v;
  if (v === null || typeof v !== 'object') return v;
  const o = v as Obj;
  if (s['x-kubernetes-embedded-resource']) return o;
  for (const key of Object.keys(o)) {
    const sub = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (sub && dropNull(o, key, sub)) continue;
    if (sub) o[key] = walkSchema(o[key], sub);
    else if (!keepsUnknown(s)) delete o[key];
  }
  for (const [key, sub] of Object.entries(s.properties ?? {})) {
    if (o[key] === undefined && sub.default !== undefined) o[key] = structuredClone(sub.default);
  }
  return o;
}
