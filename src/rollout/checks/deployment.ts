// Deployment readiness, with the rules of kubectl's DeploymentStatusViewer.
import { condition, num, observed, type CheckResult, type ReplicaCounts, type Workload } from './types.js';

/** The controller's reason on Progressing=False when progressDeadlineSeconds passed. */
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

/**
 * `newReplicaSet` is the ReplicaSet of the current template when known; it only
 * sharpens the "new ready" count, the verdict comes from the Deployment alone.
 */
export function checkDeployment(dep: Workload, minGeneration = 0, newReplicaSet?: Workload): CheckResult {
  const name = dep.metadata.name ?? '';
  if (!observed(dep, minGeneration)) {
    return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const replicas = deploymentCounts(dep, newReplicaSet);
  const progressing = condition(dep, 'Progressing');
  if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED) {
    return { done: false, failed: true, replicas, message: `deployment "${name}" exceeded its progress deadline` };
  }
  const specReplicas = dep.spec?.replicas;
  const status = dep.status ?? {};
  const updated = num(status.updatedReplicas);
  if (typeof specReplicas === 'number' && updated < specReplicas) {
    return {
      done: false,
      replicas,
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${specReplicas} new replicas have been updated...`,
    };
  }
  if (num(status.replicas) > updated) {
    return {
      done: false,
      replicas,
      message: `Waiting for deployment "${name}" rollout to finish: ${num(status.replicas) - updated} old replicas are pending termination...`,
    };
  }
  if (num(status.availableReplicas) < updated) {
    return {
      done: false,
      replicas,
      message: `Waiting for deployment "${name}" rollout to finish: ${num(status.availableReplicas)} of ${updated} updated replicas are available...`,
    };
  }
  return { done: true, replicas, message: `deployment "${name}" successfully rolled out` };
}

function deploymentCounts(dep: Workload, newReplicaSet: Workload | undefined): ReplicaCounts {
  const status = dep.status ?? {};
  const desired = typeof dep.spec?.replicas === 'number' ? dep.spec.replicas : 1;
  const updated = num(status.updatedReplicas);
  const available = num(status.availableReplicas);
  const old = Math.max(0, num(status.replicas) - updated);
  // Without the ReplicaSet, only ready Pods beyond the old ones are surely new.
  const updatedReady = newReplicaSet
    ? num(newReplicaSet.status?.readyReplicas)
    : Math.max(0, Math.min(updated, num(status.readyReplicas) - old));
  return {
    desired,
    updated,
    updatedReady,
    old,
    available,
    unavailable: Math.max(0, desired - available),
  };
}
