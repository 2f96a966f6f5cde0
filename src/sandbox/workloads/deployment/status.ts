// Deployment status and conditions exactly as the deployment controller words
// them; `kubectl rollout status` and every CD tool read these.
import { getCondition, nowIso, type Condition, type Deployment, type DeploymentStatus, type ReplicaSet } from '../objects.js';
import { maxUnavailable, replicasOf, sumSpec, sumStatus } from './util.js';

export const Reason = {
  NewRSAvailable: 'NewReplicaSetAvailable',
  RSUpdated: 'ReplicaSetUpdated',
  NewRSCreated: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumAvailable: 'MinimumReplicasAvailable',
  MinimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now = Date.now()): Condition {
  const t = nowIso(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/**
 * Sets a condition unless one with the same status and reason is there (then
 * nothing changes, not even the message); keeps the transition time when only
 * the reason changes (deploymentutil.SetDeploymentCondition).
 */
export function setDeploymentCondition(status: DeploymentStatus, cond: Condition): void {
  const current = getCondition(status.conditions, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

export function calculateStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
  const available = sumStatus(all, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumStatus(all, 'replicas'),
    updatedReplicas: newRS ? sumStatus([newRS], 'replicas') : 0,
    readyReplicas: sumStatus(all, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(all) - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newCondition('Available', 'True', Reason.MinimumAvailable, 'Deployment has minimum availability.'));
  } else {
    setDeploymentCondition(status, newCondition('Available', 'False', Reason.MinimumUnavailable, 'Deployment does not have minimum availability.'));
  }
  return status;
}

/** Every replica updated and available, and nothing old left (deploymentutil.DeploymentComplete). */
export function isComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  // A stored status leaves zero counts out.
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Some count moved in the right direction since the last status (deploymentutil.DeploymentProgressing). */
export function isProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}
