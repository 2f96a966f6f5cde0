// What every per-kind readiness check returns. A check reads one object's
// status and nothing else, so it can be tested from a YAML literal.

export interface CheckResult {
  /** The rollout reached the state `kubectl rollout status` calls done. */
  done: boolean;
  /** The object itself says the rollout cannot finish (e.g. ProgressDeadlineExceeded, Job Failed). */
  failed?: boolean;
  /** One line for people, in kubectl's words where kubectl has words for it. */
  message: string;
  /** Replica counts for the progress line; absent for kinds without replicas (Jobs). */
  replicas?: ReplicaCounts;
}

export interface ReplicaCounts {
  /** How many Pods the workload wants. */
  desired: number;
  /** Pods of the new revision. */
  updated: number;
  /** Pods of the new revision that are ready. */
  updatedReady: number;
  /** Pods of older revisions still present. */
  old: number;
  /** Pods counted available by the controller, any revision. */
  available: number;
  /** desired - available, never below zero. */
  unavailable: number;
}

/** The parts of an object a check reads; the rest is left untyped on purpose. */
export interface Workload {
  kind: string;
  metadata: { name?: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function conditions(obj: Workload): Condition[] {
  const c = obj.status?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

export function condition(obj: Workload, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

/**
 * The controller has seen the spec we are waiting on. `minGeneration` is the
 * generation our own change produced; the object's current generation can only
 * be higher, and then the newer spec is the one that must roll out.
 */
export function observed(obj: Workload, minGeneration = 0): boolean {
  const generation = Math.max(obj.metadata.generation ?? 0, minGeneration);
  return num(obj.status?.observedGeneration) >= generation;
}

/**
 * The verdict for a StatefulSet or DaemonSet whose strategy is not
 * RollingUpdate. kubectl refuses to wait there: with OnDelete, Pods take the
 * new template only when someone deletes them, so there is nothing to wait for.
 */
export function notRolling(strategyType: string | undefined, replicas: ReplicaCounts): CheckResult | undefined {
  // The API server defaults the type to RollingUpdate; only objects that never went through it lack one.
  if ((strategyType ?? 'RollingUpdate') === 'RollingUpdate') return undefined;
  return { done: true, replicas, message: `updateStrategy ${strategyType}: Pods take the new template only when deleted; not waiting for them` };
}
