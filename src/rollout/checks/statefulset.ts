// StatefulSet readiness, with the rules of kubectl's StatefulSetStatusViewer.
import { notRolling, num, observed, type CheckResult, type ReplicaCounts, type Workload } from './types.js';

interface StatefulSetStrategy {
  type?: string;
  rollingUpdate?: { partition?: number };
}

export function checkStatefulSet(sts: Workload, minGeneration = 0): CheckResult {
  const strategy = (sts.spec?.updateStrategy ?? {}) as StatefulSetStrategy;
  const status = sts.status ?? {};
  const replicas = statefulSetCounts(sts);
  const onDelete = notRolling(strategy.type, replicas);
  if (onDelete) return onDelete;
  // observedGeneration 0 means the controller never wrote status for this object.
  if (num(status.observedGeneration) === 0 || !observed(sts, minGeneration)) {
    return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  }
  const specReplicas = typeof sts.spec?.replicas === 'number' ? sts.spec.replicas : undefined;
  if (specReplicas !== undefined && num(status.readyReplicas) < specReplicas) {
    return { done: false, replicas, message: `Waiting for ${specReplicas - num(status.readyReplicas)} pods to be ready...` };
  }
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (specReplicas !== undefined && typeof partition === 'number') {
      const wanted = specReplicas - partition;
      if (num(status.updatedReplicas) < wanted) {
        return {
          done: false,
          replicas,
          message: `Waiting for partitioned roll out to finish: ${num(status.updatedReplicas)} out of ${wanted} new pods have been updated...`,
        };
      }
    }
    return { done: true, replicas, message: `partitioned roll out complete: ${num(status.updatedReplicas)} new pods have been updated...` };
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      done: false,
      replicas,
      message: `waiting for statefulset rolling update to complete ${num(status.updatedReplicas)} pods at revision ${String(status.updateRevision)}...`,
    };
  }
  return {
    done: true,
    replicas,
    message: `statefulset rolling update complete ${num(status.currentReplicas)} pods at revision ${String(status.currentRevision)}...`,
  };
}

function statefulSetCounts(sts: Workload): ReplicaCounts {
  const status = sts.status ?? {};
  const desired = typeof sts.spec?.replicas === 'number' ? sts.spec.replicas : 1;
  const updated = num(status.updatedReplicas);
  const available = num(status.availableReplicas);
  // The status has no "ready among updated"; ready Pods beyond the old ones are new.
  const old = Math.max(0, num(status.replicas) - updated);
  return {
    desired,
    updated,
    updatedReady: Math.max(0, Math.min(updated, num(status.readyReplicas) - old)),
    old,
    available,
    unavailable: Math.max(0, desired - available),
  };
}
