// The availability a rollout promises: how many Pods must stay available while
// old ones are replaced, resolved from the strategy the way each controller does.
import { num, type Workload } from './checks/types.js';

type IntOrPercent = number | string | undefined;

/** intstr.GetScaledValueFromIntOrPercent: a percentage of `total`, rounded as the caller asks. */
export function scaled(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const m = /^(\d+)%$/.exec(value.trim());
    if (m) {
      const exact = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(exact) : Math.floor(exact);
    }
    const n = Number(value);
    if (Number.isInteger(n)) return n;
  }
  return 0;
}

/**
 * The fewest available Pods the controller allows during a rollout, or
 * undefined where it promises none (Recreate, OnDelete, Jobs).
 */
export function requiredAvailable(obj: Workload): number | undefined {
  const spec = obj.spec ?? {};
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  switch (obj.kind) {
    case 'Deployment': {
      const strategy = (spec.strategy ?? {}) as { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
      if (strategy.type === 'Recreate') return undefined;
      // deploymentutil.ResolveFenceposts: surge rounds up, unavailable rounds down,
      // and both zero would deadlock, so unavailable becomes 1.
      const surge = scaled(strategy.rollingUpdate?.maxSurge ?? '25%', replicas, true);
      let unavailable = scaled(strategy.rollingUpdate?.maxUnavailable ?? '25%', replicas, false);
      if (surge === 0 && unavailable === 0) unavailable = 1;
      return Math.max(0, replicas - Math.min(unavailable, replicas));
    }
    case 'StatefulSet': {
      const strategy = (spec.updateStrategy ?? {}) as { type?: string; rollingUpdate?: { maxUnavailable?: IntOrPercent } };
      if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
      // One Pod at a time unless maxUnavailable is set (and served, behind its feature gate).
      const unavailable = Math.max(1, scaled(strategy.rollingUpdate?.maxUnavailable ?? 1, replicas, true));
      return Math.max(0, replicas - unavailable);
    }
    case 'DaemonSet': {
      const strategy = (spec.updateStrategy ?? {}) as { type?: string; rollingUpdate?: { maxUnavailable?: IntOrPercent; maxSurge?: IntOrPercent } };
      if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
      const desired = num(obj.status?.desiredNumberScheduled);
      const unavailable = scaled(strategy.rollingUpdate?.maxUnavailable ?? 1, desired, true);
      return Math.max(0, desired - unavailable);
    }
    default:
      return undefined;
  }
}

/** How availability went during one workload's rollout. */
export interface Availability {
  /** Lowest available Pod count seen, from the moment the watch began. */
  minAvailable: number;
  /** What the strategy promises; undefined where it promises nothing. */
  requiredMinimum?: number;
  desired: number;
  /** Available Pods when the watch began: 0 for a new workload, which had nothing to keep serving. */
  availableAtStart: number;
}

export function availabilityKept(a: Availability): boolean {
  return a.requiredMinimum === undefined || a.minAvailable >= a.requiredMinimum;
}
