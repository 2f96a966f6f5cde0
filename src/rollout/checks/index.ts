// One readiness check per kind the watcher knows.
import { checkDaemonSet } from './daemonset.js';
import { checkDeployment } from './deployment.js';
import { checkJob } from './job.js';
import { checkStatefulSet } from './statefulset.js';
import type { CheckResult, Workload } from './types.js';

export type { CheckResult, ReplicaCounts, Workload, Condition } from './types.js';
export { checkDeployment, PROGRESS_DEADLINE_EXCEEDED } from './deployment.js';
export { checkStatefulSet } from './statefulset.js';
export { checkDaemonSet } from './daemonset.js';
export { checkJob } from './job.js';

export const WATCHED_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

export function isWatchedKind(kind: string): kind is WatchedKind {
  return (WATCHED_KINDS as readonly string[]).includes(kind);
}

/** Runs the check for the object's kind; `related` is the Deployment's new ReplicaSet. */
export function check(obj: Workload, minGeneration = 0, related?: Workload): CheckResult {
  switch (obj.kind) {
    case 'Deployment':
      return checkDeployment(obj, minGeneration, related);
    case 'StatefulSet':
      return checkStatefulSet(obj, minGeneration);
    case 'DaemonSet':
      return checkDaemonSet(obj, minGeneration);
    case 'Job':
      return checkJob(obj);
    default:
      return { done: true, message: `${obj.kind} has no rollout to wait for` };
  }
}
