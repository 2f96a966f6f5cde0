// The arithmetic of the deployment controller (deploymentutil): how many Pods
// a rollout may add or must keep, which ReplicaSet is new, how a resize is
// shared out. Pure functions over objects, so they can be tested alone.
import { semanticEqual } from '../../semantic.js';
import { resolveFenceposts } from '../intstr.js';
import { templateWithoutLabel, type Deployment, type ReplicaSet } from '../objects.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const HASH_LABEL = 'pod-template-hash';

/** Deployment annotations that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function specReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

function isRolling(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', replicasOf(d));
}

export function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

export const sumSpec = (rss: ReplicaSet[]) => rss.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatus = (rss: ReplicaSet[], f: 'replicas' | 'readyReplicas' | 'availableReplicas') =>
  rss.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);

export function activeReplicaSets(rss: ReplicaSet[]): ReplicaSet[] {
  return rss.filter((rs) => specReplicas(rs) > 0);
}

const created = (rs: ReplicaSet) => rs.metadata.creationTimestamp ?? '';

export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a).localeCompare(created(b)) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The templates are semantically equal but for the hash label (EqualIgnoreHash). */
export function sameTemplate(d: Deployment, rs: ReplicaSet): boolean {
  return semanticEqual(templateWithoutLabel(d.spec.template, HASH_LABEL), templateWithoutLabel(rs.spec.template, HASH_LABEL), true);
}

/** The oldest ReplicaSet whose template is the Deployment's (FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => sameTemplate(d, rs));
}

/** How many replicas the new ReplicaSet may have now (NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRolling(d)) return replicasOf(d);
  const current = sumSpec(all);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/**
 * Copies the Deployment's annotations and sets the revision (keeping the
 * revisions a reused template had before in revision-history), and for a new
 * ReplicaSet the replica annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const old = ann[REVISION];
  const oldRevision = Number(old ?? 0);
  if (oldRevision < newRevision) {
    ann[REVISION] = String(newRevision);
    changed = true;
    if (old !== undefined) ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${old}` : old;
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  if (ann[DESIRED_REPLICAS] === String(desired) && ann[MAX_REPLICAS] === String(max)) return false;
  ann[DESIRED_REPLICAS] = String(desired);
  ann[MAX_REPLICAS] = String(max);
  return true;
}

/** A resize, as opposed to a rollout: an active ReplicaSet was sized for another replica count. */
export function isScalingEvent(d: Deployment, all: ReplicaSet[]): boolean {
  return activeReplicaSets(all).some((rs) => {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
    return desired !== undefined && Number(desired) !== replicasOf(d);
  });
}

/** The only active ReplicaSet, or the newest one when none is active; undefined when several are. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  const all = [...oldRSs].sort(byCreation).reverse();
  const active = activeReplicaSets(newRS ? [...all, newRS] : all);
  if (active.length === 1) return active[0];
  if (active.length === 0) return newRS ?? all[0];
  return undefined;
}

export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS]);
  return specReplicas(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/**
 * New sizes when a Deployment with several active ReplicaSets is resized:
 * each keeps its share of the old maximum, leftovers go to the largest
 * (DeploymentController.scale with GetReplicaSetProportion).
 */
export function proportionalSizes(d: Deployment, active: ReplicaSet[]): Map<ReplicaSet, number> {
  const replicas = replicasOf(d);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumSpec(active);
  const ordered = [...active].sort((a, b) => {
    const bySize = specReplicas(b) - specReplicas(a);
    if (bySize !== 0) return bySize;
    // Ties: newer first when growing, older first when shrinking.
    return toAdd > 0 ? byCreation(b, a) : byCreation(a, b);
  });
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    let proportion = 0;
    if (toAdd !== 0 && toAdd !== added && specReplicas(rs) > 0) {
      const fraction = replicaSetFraction(d, rs);
      const allowedLeft = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, allowedLeft) : Math.max(fraction, allowedLeft);
    }
    sizes.set(rs, specReplicas(rs) + proportion);
    added += proportion;
  }
  const largest = ordered[0];
  if (largest && toAdd !== 0) sizes.set(largest, Math.max(0, sizes.get(largest)! + toAdd - added));
  return sizes;
}

function replicaSetFraction(d: Deployment, rs: ReplicaSet): number {
  if (replicasOf(d) === 0) return -specReplicas(rs);
  const maxNow = replicasOf(d) + maxSurge(d);
  let maxBefore = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? 0);
  if (!maxBefore) maxBefore = d.status?.replicas ?? 0;
  if (!maxBefore) return 0;
  // Go's integer.RoundToInt32 rounds half away from zero.
  const size = (specReplicas(rs) * maxNow) / maxBefore;
  return Math.sign(size) * Math.round(Math.abs(size)) - specReplicas(rs);
}
