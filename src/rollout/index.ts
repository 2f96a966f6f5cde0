// The rollout watcher: what apply, set-image, edit, sync and rollback use to
// wait for the workloads they changed.
export { watchRollouts, DEFAULT_FAILURE_GRACE_MS } from './watcher.js';
export { durationText } from './bake.js';
export type { RolloutOutcome, RolloutResult, WatchOptions, WorkloadResult } from './watcher.js';
export type { RolloutTarget, WorkloadState, WorkloadStatus } from './tracker.js';
export type { ContainerProblem, Evidence, LogReader } from './failures.js';
export { logReaderOf } from './logs.js';
export type { Availability } from './summary.js';
export { availabilityKept, requiredAvailable } from './summary.js';
export type { CheckResult, ReplicaCounts } from './checks/index.js';
export { check, isWatchedKind } from './checks/index.js';
