// Typed views of the built-in objects the controllers read and write, and the
// metadata helpers they share (selectors, owner references, conditions).
import type { KubeObject, OwnerReference } from '../types.js';
import { fromLabelSelectorObject, matchesLabels, type LabelSelectorObject } from '../selectors.js';
import { canonicalJson } from '../semantic.js';
import type { IntOrString } from './intstr.js';

export type LabelSelector = LabelSelectorObject;

export interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
}

export interface Container {
  name: string;
  image: string;
  ports?: { containerPort: number; name?: string; protocol?: string }[];
  readinessProbe?: Probe;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchFields?: { key: string; operator: string; values?: string[] }[] }[];
      };
    };
  };
  [field: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec: PodSpec;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    reason: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

export type Pod = KubeObject & { spec: PodSpec; status?: PodStatus };

export interface RollingUpdateDeployment {
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  terminatingReplicas?: number;
  collisionCount?: number;
  conditions?: Condition[];
}

export type Deployment = KubeObject & {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
    strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: RollingUpdateDeployment };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
  };
  status?: DeploymentStatus;
};

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

export type ReplicaSet = KubeObject & {
  spec: { replicas?: number; minReadySeconds?: number; selector: LabelSelector; template: PodTemplateSpec };
  status?: ReplicaSetStatus;
};

export const CONTROLLER_MANAGER = 'kube-controller-manager';

export function nowIso(ms = Date.now()): string {
  // metav1.Time serialises with second precision.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function labelsMatch(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  // An empty selector selects nothing for a workload controller (or a Service).
  if (!selector || (!selector.matchLabels && !selector.matchExpressions?.length)) return false;
  return matchesLabels(fromLabelSelectorObject(selector), labels);
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function controllerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/**
 * Replaces the condition of the same type. The transition time moves only
 * when the status flips, as every controller's SetCondition helper does.
 */
export function setCondition(conditions: Condition[] | undefined, next: Condition): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged = { ...next };
  if (prev && prev.status === next.status && prev.lastTransitionTime) merged.lastTransitionTime = prev.lastTransitionTime;
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** A template without the label its own hash is stored under, for comparing and hashing. */
export function templateWithoutLabel(t: PodTemplateSpec, label: string): PodTemplateSpec {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[label];
  const metadata: Record<string, unknown> = { ...(t.metadata ?? {}), labels };
  // Clients often send `creationTimestamp: null` in templates; it means nothing.
  if (metadata.creationTimestamp == null) delete metadata.creationTimestamp;
  return { ...t, metadata };
}

/** Equal as JSON, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
