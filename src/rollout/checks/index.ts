// One readiness check per kind the watcher knows.
import { checkDaemonSet } from './daemonset.js';
import { checkDeployment } from './deployment.js';
import { checkJob } from './job.js';
import { checkStatefulSet } from './statefulset.js';
import { checkConditions, checkGeneric, checkKind } from './health.js';
import type { CheckResult, Workload } from './types.js';

export type { CheckResult, ReplicaCounts, Workload, Condition } from './types.js';
export { checkDeployment, PROGRESS_DEADLINE_EXCEEDED } from './deployment.js';
export { checkStatefulSet } from './statefulset.js';
export { checkDaemonSet } from './daemonset.js';
export { checkJob } from './job.js';
export { checkGeneric, checkKind, checkConditions } from './health.js';

export const WATCHED_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export function isWatchedKind(kind: string): kind is WatchedKind {
  return (WATCHED_KINDS as readonly string[]).includes(kind);
}

/**
 * Whether an object is where its change leads, in one ladder for every kind:
 * the generic rules first (being deleted, generation not yet observed,
 * Stalled, Reconciling), then the kind's rules (the rollout checks for
 * workloads, with their fail-fast reasons), then the Ready (or Available)
 * condition; an object with none of these is current. `related` is the
 * Deployment's new ReplicaSet.
 */
export function check(obj: Workload, minGeneration = 0, related?: Workload): CheckResult {
  const generic = checkGeneric(obj, minGeneration);
  if (generic) return generic;
  switch (obj.kind) {
    case 'Deployment':
      return checkDeployment(obj, minGeneration, related);
    case 'StatefulSet':
      return checkStatefulSet(obj, minGeneration);
    case 'DaemonSet':
      return checkDaemonSet(obj, minGeneration);
    case 'Job':
      return checkJob(obj);
  }
  return checkKind(obj) ?? checkConditions(obj) ?? { done: true, message: `${obj.kind} "${obj.metadata.name}" is current` };
}
