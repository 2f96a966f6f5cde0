// The deployment controller: Deployment -> ReplicaSets, following
// pkg/controller/deployment (sync.go, rolling.go, recreate.go, progress.go).
import { storedStatus } from '../../omitempty.js';
import type { StoreEvent } from '../../types.js';
import { claim } from '../claim.js';
import { WorkloadController } from '../controller.js';
import type { EventRecorder } from '../events.js';
import { computeHash } from '../hash.js';
import {
  CONTROLLER_MANAGER,
  controllerOf,
  controllerRefTo,
  getCondition,
  isTerminating,
  sameJson,
  type Deployment,
  type DeploymentStatus,
  type Pod,
  type ReplicaSet,
} from '../objects.js';
import { podsOf } from '../pods.js';
import type { ReconcileResult, Runtime } from '../runtime.js';
import { calculateStatus, isComplete, isProgressing, newCondition, Reason, removeCondition, setDeploymentCondition } from './status.js';
import {
  activeReplicaSets,
  byCreation,
  findActiveOrLatest,
  findNewReplicaSet,
  HASH_LABEL,
  isSaturated,
  isScalingEvent,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  replicasOf,
  REVISION,
  revisionOf,
  sameTemplate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  sumSpec,
  sumStatus,
} from './util.js';

const SOURCE = { component: 'deployment-controller' };
const OPTS = { fieldManager: CONTROLLER_MANAGER };

export class DeploymentController extends WorkloadController<Deployment> {
  /** Deployment uid -> when its Progressing condition last moved, in exact milliseconds. */
  private readonly lastProgress = new Map<string, number>();

  constructor(rt: Runtime, events: EventRecorder) {
    super(rt, events, { name: 'deployment', owner: ['apps', 'Deployment'], child: ['apps', 'ReplicaSet'], adoptOrphans: true });
  }

  override onEvent(ev: StoreEvent): void {
    super.onEvent(ev);
    const o = ev.object;
    if (o.kind === 'Deployment' && ev.type === 'DELETED') this.lastProgress.delete(o.metadata.uid ?? '');
    if (o.kind === 'Pod' && ev.type === 'DELETED') {
      // Recreate waits for the last old Pod to be gone.
      const rsRef = controllerOf(o);
      const rs = rsRef?.kind === 'ReplicaSet' ? this.rt.cache.get('apps', 'ReplicaSet', o.metadata.namespace, rsRef.name) : undefined;
      const dRef = rs && controllerOf(rs);
      if (dRef?.kind === 'Deployment') this.enqueue(o.metadata.namespace, dRef.name);
    }
  }

  protected sync(d: Deployment): ReconcileResult {
    const ns = d.metadata.namespace;
    if (!d.spec.selector?.matchLabels && !d.spec.selector?.matchExpressions?.length) {
      this.events.record(SOURCE, d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if (d.status?.observedGeneration !== d.metadata.generation) this.writeStatus(d, { ...d.status, observedGeneration: d.metadata.generation });
      return undefined;
    }
    const rsList = claim(this.rt, d, d.spec.selector, this.rt.cache.list<ReplicaSet>('apps', 'ReplicaSet', ns), CONTROLLER_MANAGER);
    if (isTerminating(d)) {
      const { newRS, oldRSs } = this.replicaSets(d, rsList, false);
      this.writeStatus(d, calculateStatus(newRS ? [...oldRSs, newRS] : oldRSs, newRS, d));
      return undefined;
    }
    d = this.checkPausedConditions(d);
    if (d.spec.paused || isScalingEvent(d, rsList)) return this.resize(d, rsList);
    return d.spec.strategy?.type === 'Recreate' ? this.rolloutRecreate(d, rsList) : this.rolloutRolling(d, rsList);
  }

  /** Scaling, or a paused Deployment: resize what exists, start nothing new (DeploymentController.sync). */
  private resize(d: Deployment, rsList: ReplicaSet[]): ReconcileResult {
    const r = this.replicaSets(d, rsList, false);
    d = r.d;
    this.scale(d, r.newRS, r.oldRSs);
    const fresh = this.refresh(r.newRS ? [...r.oldRSs, r.newRS] : r.oldRSs);
    const newRS = r.newRS && fresh.find((rs) => rs.metadata.uid === r.newRS!.metadata.uid);
    const oldRSs = fresh.filter((rs) => rs !== newRS);
    if (d.spec.paused) this.cleanup(d, oldRSs);
    this.writeStatus(d, calculateStatus(fresh, newRS, d));
    return undefined;
  }

  private rolloutRolling(d: Deployment, rsList: ReplicaSet[]): ReconcileResult {
    const r = this.replicaSets(d, rsList, true);
    d = r.d;
    const newRS = r.newRS!;
    const all = [...r.oldRSs, newRS];
    // Scale up first; scale down only when nothing could be added.
    const scaled = this.reconcileNewReplicaSet(all, newRS, d) || this.reconcileOldReplicaSets(all, activeReplicaSets(r.oldRSs), newRS, d);
    if (!scaled && isComplete(d, d.status ?? {})) this.cleanup(d, this.refresh(r.oldRSs));
    return this.syncRolloutStatus(all, newRS, d);
  }

  private rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): ReconcileResult {
    let r = this.replicaSets(d, rsList, false);
    d = r.d;
    const all = r.newRS ? [...r.oldRSs, r.newRS] : r.oldRSs;
    let scaledDown = false;
    for (const rs of activeReplicaSets(r.oldRSs)) {
      if (this.scaleAndRecord(rs, 0, d).scaled) scaledDown = true;
    }
    if (scaledDown || this.oldPodsRunning(r.oldRSs)) return this.syncRolloutStatus(all, r.newRS, d);
    if (!r.newRS) {
      r = this.replicaSets(d, this.refresh(all), true);
      d = r.d;
    }
    this.scaleAndRecord(r.newRS!, replicasOf(d), d);
    if (isComplete(d, d.status ?? {})) this.cleanup(d, this.refresh(r.oldRSs));
    return this.syncRolloutStatus([...r.oldRSs, r.newRS!], r.newRS, d);
  }

  private oldPodsRunning(oldRSs: ReplicaSet[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    return oldRSs.some((rs) =>
      podsOf(this.rt, rs).some((p: Pod) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded'),
    );
  }

  /**
   * Finds the new ReplicaSet (creating it when asked), brings its revision to
   * one above every old one, and mirrors that revision on the Deployment
   * (getAllReplicaSetsAndSyncRevision / getNewReplicaSet). The Deployment's
   * revision annotation goes through the status subresource, with the
   * Progressing condition, as the controller's UpdateStatus sends both.
   */
  private replicaSets(d: Deployment, rsList: ReplicaSet[], create: boolean): { d: Deployment; newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    const rsRes = this.rt.res('apps', 'ReplicaSet');
    const deadline = d.spec.progressDeadlineSeconds !== undefined;
    if (existing) {
      const rs = structuredClone(existing);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (setNewReplicaSetAnnotations(d, rs, newRevision, true) || minReadyChanged) {
        // The Deployment takes the revision on its next sync, which this write triggers.
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        return { d, newRS: this.rt.store.update(rsRes, rs, OPTS) as ReplicaSet, oldRSs };
      }
      const status = structuredClone(d.status ?? {});
      const found = deadline && !getCondition(d.status?.conditions, 'Progressing');
      if (found) setDeploymentCondition(status, newCondition('Progressing', 'True', Reason.FoundNewRS, `Found new replica set "${rs.metadata.name}"`));
      d = this.writeStatus(d, status, found, rs.metadata.annotations?.[REVISION]);
      return { d, newRS: rs, oldRSs };
    }
    if (!create) return { d, oldRSs };

    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [controllerRefTo(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = this.rt.store.create(rsRes, rs, OPTS) as ReplicaSet;
    } catch (err) {
      const clash = this.rt.cache.get<ReplicaSet>('apps', 'ReplicaSet', d.metadata.namespace, rs.metadata.name!);
      if (!clash) throw err;
      if (controllerOf(clash)?.uid !== d.metadata.uid || !sameTemplate(d, clash)) {
        // A different template hashed to the same name: bump collisionCount so the next hash differs.
        this.writeStatus(d, { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
        throw err;
      }
      created = clash;
      alreadyExists = true;
    }
    if (!alreadyExists && specReplicas(created) > 0) {
      this.events.record(SOURCE, d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${specReplicas(created)}`);
    }
    const status = structuredClone(d.status ?? {});
    if (!alreadyExists && deadline) {
      setDeploymentCondition(status, newCondition('Progressing', 'True', Reason.NewRSCreated, `Created new replica set "${created.metadata.name}"`));
    }
    d = this.writeStatus(d, status, !alreadyExists && deadline, String(newRevision));
    return { d, newRS: created, oldRSs };
  }

  private reconcileNewReplicaSet(all: ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
    if (specReplicas(newRS) === replicasOf(d)) return false;
    if (specReplicas(newRS) > replicasOf(d)) return this.scaleAndRecord(newRS, replicasOf(d), d).scaled;
    return this.scaleAndRecord(newRS, newRSNewReplicas(d, all, newRS), d).scaled;
  }

  /**
   * Scales old ReplicaSets down as far as availability allows: first their
   * unhealthy replicas, then healthy ones above replicas - maxUnavailable.
   */
  private reconcileOldReplicaSets(all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): boolean {
    if (sumSpec(oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    let cleaned = 0;
    const sorted = [...oldRSs].sort(byCreation);
    for (let i = 0; i < sorted.length && cleaned < maxScaledDown; i++) {
      const rs = sorted[i]!;
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      sorted[i] = this.scaleAndRecord(rs, specReplicas(rs) - down, d).rs;
      cleaned += down;
    }

    const available = sumStatus([...sorted, newRS], 'availableReplicas');
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of sorted) {
        if (scaledDown >= total) break;
        if (specReplicas(rs) === 0) continue;
        const down = Math.min(specReplicas(rs), total - scaledDown);
        this.scaleAndRecord(rs, specReplicas(rs) - down, d);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  /** Resizes proportionally across the active ReplicaSets (DeploymentController.scale). */
  private scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (specReplicas(only) !== replicasOf(d)) this.scaleAndRecord(only, replicasOf(d), d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const rs of activeReplicaSets(oldRSs)) this.scaleAndRecord(rs, 0, d);
      return;
    }
    if (d.spec.strategy?.type === 'Recreate') return;
    for (const [rs, size] of proportionalSizes(d, activeReplicaSets(newRS ? [...oldRSs, newRS] : oldRSs))) {
      this.scaleReplicaSet(rs, size, d);
    }
  }

  private scaleAndRecord(rs: ReplicaSet, size: number, d: Deployment): { scaled: boolean; rs: ReplicaSet } {
    if (specReplicas(rs) === size) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, size, d);
  }

  private scaleReplicaSet(rs: ReplicaSet, size: number, d: Deployment): { scaled: boolean; rs: ReplicaSet } {
    const from = specReplicas(rs);
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (from === size && !annotationsChanged) return { scaled: false, rs };
    copy.spec.replicas = size;
    const updated = this.rt.store.update(this.rt.res('apps', 'ReplicaSet'), copy, OPTS) as ReplicaSet;
    if (from !== size) {
      const op = from < size ? 'up' : 'down';
      this.events.record(SOURCE, d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} from ${from} to ${size}`);
    }
    return { scaled: from !== size, rs: updated };
  }

  /** Deletes the oldest idle ReplicaSets beyond revisionHistoryLimit (cleanupDeployment). */
  private cleanup(d: Deployment, oldRSs: ReplicaSet[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => !isTerminating(rs));
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of byRevision.slice(0, excess)) {
      const idle = specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0;
      if (!idle || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.rt.store.delete(this.rt.res('apps', 'ReplicaSet'), rs.metadata.namespace, rs.metadata.name!, {
        preconditions: { uid: rs.metadata.uid },
      });
    }
  }

  private checkPausedConditions(d: Deployment): Deployment {
    if (d.spec.progressDeadlineSeconds === undefined) return d;
    const cond = getCondition(d.status?.conditions, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return d;
    const pausedCond = cond?.reason === Reason.Paused;
    const status = structuredClone(d.status ?? {});
    if (d.spec.paused && !pausedCond) {
      setDeploymentCondition(status, newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused'));
    } else if (!d.spec.paused && pausedCond) {
      setDeploymentCondition(status, newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed'));
    } else {
      return d;
    }
    return this.writeStatus(d, status, true);
  }

  /** Status and the Progressing condition after a rollout step (syncRolloutStatus). */
  private syncRolloutStatus(stale: ReplicaSet[], staleNewRS: ReplicaSet | undefined, d: Deployment): ReconcileResult {
    const all = this.refresh(stale);
    const newRS = staleNewRS && all.find((rs) => rs.metadata.uid === staleNewRS.metadata.uid);
    const status = calculateStatus(all, newRS, d);
    const deadline = d.spec.progressDeadlineSeconds;
    if (deadline === undefined) removeCondition(status, 'Progressing');
    const current = getCondition(status.conditions, 'Progressing');
    const completeBefore = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reason.NewRSAvailable;
    const rsName = newRS?.metadata.name;
    let moved = false;
    if (deadline !== undefined && !completeBefore) {
      if (isComplete(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : 'Deployment has successfully progressed.';
        setDeploymentCondition(status, newCondition('Progressing', 'True', Reason.NewRSAvailable, msg));
      } else if (isProgressing(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
        const cond = newCondition('Progressing', 'True', Reason.RSUpdated, msg);
        if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setDeploymentCondition(status, cond);
        moved = true;
      } else if (this.timedOut(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setDeploymentCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, msg));
      }
    }
    d = this.writeStatus(d, status, moved);
    return this.untilDeadline(d, status);
  }

  private progressSince(d: Deployment, status: DeploymentStatus): number | undefined {
    const cond = getCondition(status.conditions, 'Progressing');
    if (!cond) return undefined;
    return this.lastProgress.get(d.metadata.uid ?? '') ?? Date.parse(cond.lastUpdateTime ?? '');
  }

  private timedOut(d: Deployment, status: DeploymentStatus): boolean {
    const deadline = d.spec.progressDeadlineSeconds;
    const cond = getCondition(status.conditions, 'Progressing');
    if (deadline === undefined || !cond || cond.reason === Reason.NewRSAvailable) return false;
    if (cond.reason === Reason.TimedOut) return true;
    const since = this.progressSince(d, status);
    return since !== undefined && since + this.rt.scaled(deadline) < Date.now();
  }

  /** When a stuck rollout should be looked at again to declare it timed out (requeueStuckDeployment). */
  private untilDeadline(d: Deployment, status: DeploymentStatus): ReconcileResult {
    const deadline = d.spec.progressDeadlineSeconds;
    const cond = getCondition(status.conditions, 'Progressing');
    if (deadline === undefined || !cond || isComplete(d, status) || cond.reason === Reason.TimedOut) return undefined;
    if (cond.reason === Reason.NewRSAvailable) return undefined;
    const since = this.progressSince(d, status);
    if (since === undefined || Number.isNaN(since)) return undefined;
    return Math.max(0, since + this.rt.scaled(deadline) - Date.now()) + 1;
  }

  /**
   * Writes status when it changed, with the revision annotation when one is
   * given and differs; `progressed` records that the Progressing condition
   * moved just now.
   */
  private writeStatus(d: Deployment, status: DeploymentStatus, progressed = false, revision?: string): Deployment {
    const revisionMoves = revision !== undefined && d.metadata.annotations?.[REVISION] !== revision;
    if (!revisionMoves && sameJson(d.status ?? {}, storedStatus('apps/Deployment', status))) return d;
    const next: Deployment = { ...d, status };
    if (revisionMoves) next.metadata = { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: revision } };
    const updated = this.rt.store.update(this.rt.res('apps', 'Deployment'), next, { ...OPTS, subresource: 'status' }) as Deployment;
    if (progressed) this.lastProgress.set(d.metadata.uid ?? '', Date.now());
    return updated;
  }

  /** Current copies of the given ReplicaSets (those still there). */
  private refresh(rss: ReplicaSet[]): ReplicaSet[] {
    return rss
      .map((rs) => this.rt.cache.get<ReplicaSet>('apps', 'ReplicaSet', rs.metadata.namespace, rs.metadata.name!))
      .filter((rs): rs is ReplicaSet => rs !== undefined);
  }
}
