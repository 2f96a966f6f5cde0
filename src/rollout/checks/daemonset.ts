// DaemonSet readiness, with the rules of kubectl's DaemonSetStatusViewer.
import { notRolling, num, observed, type CheckResult, type ReplicaCounts, type Workload } from './types.js';

export function checkDaemonSet(ds: Workload, minGeneration = 0): CheckResult {
  const strategy = (ds.spec?.updateStrategy ?? {}) as { type?: string };
  const status = ds.status ?? {};
  const replicas = daemonSetCounts(ds);
  const onDelete = notRolling(strategy.type, replicas);
  if (onDelete) return onDelete;
  if (!observed(ds, minGeneration)) {
    return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
  }
  const name = ds.metadata.name ?? '';
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  if (updated < desired) {
    return {
      done: false,
      replicas,
      message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    };
  }
  const available = num(status.numberAvailable);
  if (available < desired) {
    return {
      done: false,
      replicas,
      message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    };
  }
  return { done: true, replicas, message: `daemon set "${name}" successfully rolled out` };
}

function daemonSetCounts(ds: Workload): ReplicaCounts {
  const status = ds.status ?? {};
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  const scheduled = num(status.currentNumberScheduled);
  const ready = num(status.numberReady);
  const old = Math.max(0, scheduled - updated);
  return {
    desired,
    updated,
    updatedReady: Math.max(0, Math.min(updated, ready - old)),
    old,
    available,
    unavailable: Math.max(0, desired - available),
  };
}
