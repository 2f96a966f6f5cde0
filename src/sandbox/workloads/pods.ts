// What the controllers need to know about Pods: which count, which are
// available, which go first on scale-down, and how a template becomes a Pod.
import type { KubeObject } from '../types.js';
import { controllerRefTo, getCondition, isTerminating, type Pod, type PodTemplateSpec } from './objects.js';
import type { Runtime } from './runtime.js';

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** Counted by its owner: neither terminating nor finished (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !isTerminating(pod) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(rt: Runtime, pod: Pod, minReadySeconds: number, now = Date.now()): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = rt.readySince.get(pod.metadata.uid ?? '');
  if (since === undefined) return false;
  return now >= since + rt.scaled(minReadySeconds);
}

/** Milliseconds until a Ready pod becomes available, or undefined if it is not Ready or already available. */
export function untilAvailable(rt: Runtime, pod: Pod, minReadySeconds: number, now = Date.now()): number | undefined {
  if (!minReadySeconds || !isPodReady(pod)) return undefined;
  const since = rt.readySince.get(pod.metadata.uid ?? '');
  if (since === undefined) return undefined;
  const left = since + rt.scaled(minReadySeconds) - now;
  return left > 0 ? left : undefined;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}

/**
 * The order in which a controller deletes Pods on scale-down, most expendable
 * first: unscheduled, then pending, not ready, ready for less time, restarted
 * more, newer (controller.ActivePods).
 */
export function deletionOrder(rt: Runtime, pods: Pod[]): Pod[] {
  return [...pods].sort((a, b) => {
    const sa = a.spec.nodeName ? 1 : 0;
    const sb = b.spec.nodeName ? 1 : 0;
    if (sa !== sb) return sa - sb;
    const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a) ? 1 : 0;
    const rb = isPodReady(b) ? 1 : 0;
    if (ra !== rb) return ra - rb;
    if (ra && rb) {
      const ta = rt.readySince.get(a.metadata.uid ?? '') ?? 0;
      const tb = rt.readySince.get(b.metadata.uid ?? '') ?? 0;
      if (ta !== tb) return tb - ta;
    }
    const ca = restarts(a);
    const cb = restarts(b);
    if (ca !== cb) return cb - ca;
    return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  });
}

/** A Pod for `owner` from its template (controller.GetPodFromTemplate). */
export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, name: string, extraLabels: Record<string, string> = {}): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...extraLabels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [controllerRefTo(owner)],
    },
    spec: structuredClone(template.spec),
  };
}

/** Pods the owner controls, or may adopt, in its namespace. */
export function podsOf(rt: Runtime, owner: KubeObject): Pod[] {
  const uid = owner.metadata.uid;
  return rt.cache.list<Pod>('', 'Pod', owner.metadata.namespace).filter((p) =>
    p.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid),
  );
}
