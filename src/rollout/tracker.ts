// Follows one workload through its rollout: keeps caches of the workload, its
// Pods and what tells their revisions apart, and turns them into a status.
import type { KubeObject, ObjectRef } from '../kube/types.js';
import { subjectOf } from '../engine/changeset.js';
import { check, isWatchedKind, type ReplicaCounts, type Workload } from './checks/index.js';
import { podProblems, problemKey, type ContainerProblem } from './failures.js';
import { Informer, type InformerClient } from './informer.js';
import { newReplicaSet, newRevisionPods } from './revision.js';
import { selectorString, type LabelSelector } from './selector.js';
import { requiredAvailable, type Availability } from './summary.js';

export interface RolloutTarget {
  ref: ObjectRef;
  /** metadata.generation the change produced; the controller must observe at least this. */
  generation?: number;
  /** The object as the write returned it, when known. */
  object?: KubeObject;
}

export type WorkloadState = 'progressing' | 'done' | 'failed';

export interface WorkloadStatus {
  ref: ObjectRef;
  /** `Kind/namespace/name`. */
  subject: string;
  state: WorkloadState;
  message: string;
  replicas?: ReplicaCounts;
  /** Set when failed: what failed, in one line, and the container that made it fail. */
  reason?: string;
  problem?: ContainerProblem;
  /** Set while the rollout is done and being baked: how long the bake lasts. */
  bakingMs?: number;
}

export class Tracker {
  readonly subject: string;
  private readonly self: Informer;
  private pods?: Informer;
  private replicaSets?: Informer;
  private revisions?: Informer;
  private readonly runs: Promise<void>[] = [];
  /** When each container problem of a new Pod was first seen, by problemKey. */
  private readonly problemSince = new Map<string, { since: number; pod: string; container: string }>();
  private availableAtStart: number | undefined;
  private minAvailable: number | undefined;
  private required: number | undefined;
  private desired = 0;
  private synced = false;

  constructor(
    private readonly kube: InformerClient,
    readonly target: RolloutTarget,
    private readonly onChange: () => void,
    private readonly onRetry: (err: unknown) => void,
  ) {
    this.subject = subjectOf(target.ref);
    const { ref } = target;
    this.self = this.informer(ref.apiVersion, ref.kind, { fieldSelector: `metadata.name=${ref.name}` });
  }

  start(signal: AbortSignal): void {
    this.runs.push(this.self.run(signal));
    void this.self.whenSynced().then(async () => {
      const obj = this.object();
      // Only workloads have Pods (and revisions) to follow; any other object is judged by itself.
      if (obj && !signal.aborted && isWatchedKind(obj.kind)) this.startRelated(obj, signal);
      // Judge only with every first list in: a failure seen before the Pods
      // are known could not name the Pod that caused it.
      await Promise.race([Promise.all(this.related().map((i) => i.whenSynced())), aborted(signal)]);
      this.synced = true;
      this.onChange();
    });
  }

  /** Resolves when every informer has stopped (after the signal given to start aborts). */
  async stopped(): Promise<void> {
    await Promise.all(this.runs);
  }

  /** Watches re-established after the server ended them, and lists redone after 410 Gone. */
  reconnects(): { resumes: number; relists: number } {
    const all = [this.self, ...this.related()];
    return { resumes: all.reduce((n, i) => n + i.resumes, 0), relists: all.reduce((n, i) => n + i.relists, 0) };
  }

  /** Whether every first list is in; before that a status says nothing. */
  get ready(): boolean {
    return this.synced;
  }

  private related(): Informer[] {
    return [this.pods, this.replicaSets, this.revisions].filter((i): i is Informer => i !== undefined);
  }

  private startRelated(obj: KubeObject, signal: AbortSignal): void {
    const selector = selectorString((obj.spec as { selector?: LabelSelector } | undefined)?.selector);
    this.pods = this.informer('v1', 'Pod', { labelSelector: selector });
    this.runs.push(this.pods.run(signal));
    if (obj.kind === 'Deployment') {
      this.replicaSets = this.informer('apps/v1', 'ReplicaSet', { labelSelector: selector });
      this.runs.push(this.replicaSets.run(signal));
    }
    if (obj.kind === 'DaemonSet') {
      this.revisions = this.informer('apps/v1', 'ControllerRevision', { labelSelector: selector });
      this.runs.push(this.revisions.run(signal));
    }
  }

  private informer(apiVersion: string, kind: string, sel: { labelSelector?: string; fieldSelector?: string }): Informer {
    return new Informer(this.kube, {
      type: { apiVersion, kind },
      namespace: this.target.ref.namespace ?? '',
      ...sel,
      onChange: () => this.onChange(),
      onRetry: this.onRetry,
    });
  }

  private object(): KubeObject | undefined {
    return this.self.get(this.target.ref.name);
  }

  /**
   * The workload's status now. `graceMs`: how long a container problem of a
   * new Pod may last before it fails the rollout. Returns, besides the status,
   * when the next problem's grace runs out, so the caller can look again then.
   */
  evaluate(now: number, graceMs: number): { status: WorkloadStatus; recheckAt?: number } {
    const base = { ref: this.target.ref, subject: this.subject };
    if (!this.synced) return { status: { ...base, state: 'progressing', message: 'Waiting for the first list...' } };
    const obj = this.object();
    if (!obj) {
      return { status: { ...base, state: 'failed', message: `${this.subject} not found`, reason: 'NotFound' } };
    }
    const related = obj.kind === 'Deployment' ? newReplicaSet(obj, this.replicaSets?.objects() ?? []) : undefined;
    const result = check(obj as Workload, this.target.generation ?? 0, related as Workload | undefined);
    this.noteAvailability(obj, result.replicas);
    const status: WorkloadStatus = { ...base, state: result.done ? 'done' : 'progressing', message: result.message, replicas: result.replicas };
    if (result.done) return { status };

    const problems = this.currentProblems(obj);
    if (result.failed) {
      return { status: { ...status, state: 'failed', reason: result.message, problem: problems[0] } };
    }
    let recheckAt: number | undefined;
    for (const p of problems) {
      const key = problemKey(p);
      const since = this.problemSince.get(key)?.since ?? now;
      this.problemSince.set(key, { since, pod: p.pod, container: p.container });
      const deadline = since + graceMs;
      if (now >= deadline) {
        return { status: { ...status, state: 'failed', reason: `${p.reason}: ${p.message || p.image}`, problem: p } };
      }
      recheckAt = recheckAt === undefined ? deadline : Math.min(recheckAt, deadline);
    }
    return { status: { ...status, problem: problems[0] }, recheckAt };
  }

  /**
   * Problems of the new revision's Pods. A problem is forgotten only when its
   * Pod is gone or its container turns ready: a crashing container runs between
   * back-offs, and that must not restart its grace period.
   */
  private currentProblems(obj: KubeObject): ContainerProblem[] {
    const pods = this.newPods(obj);
    const readyByPod = new Map(pods.map((pod) => [pod.metadata.name ?? '', readyContainers(pod)]));
    for (const [key, seen] of this.problemSince) {
      const ready = readyByPod.get(seen.pod);
      if (!ready || ready.has(seen.container)) this.problemSince.delete(key);
    }
    return pods.flatMap(podProblems);
  }

  /** The Pods of the workload's current revision, as the caches have them; none for an object that is no workload. */
  newPods(obj = this.object()): KubeObject[] {
    if (!obj || !this.pods) return [];
    return newRevisionPods(obj, this.pods.objects(), {
      replicaSets: this.replicaSets?.objects(),
      controllerRevisions: this.revisions?.objects(),
    });
  }

  private noteAvailability(obj: KubeObject, replicas: ReplicaCounts | undefined): void {
    if (!replicas) return;
    this.availableAtStart ??= replicas.available;
    this.minAvailable = Math.min(this.minAvailable ?? replicas.available, replicas.available);
    // The controller keeps availability from dropping, not from starting, below
    // its minimum: a new or scaled-up workload may begin under it.
    const promised = requiredAvailable(obj as Workload);
    this.required = promised === undefined ? undefined : Math.min(promised, this.availableAtStart);
    this.desired = replicas.desired;
  }

  availability(): Availability | undefined {
    if (this.minAvailable === undefined) return undefined;
    return {
      minAvailable: this.minAvailable,
      requiredMinimum: this.required,
      desired: this.desired,
      availableAtStart: this.availableAtStart ?? 0,
    };
  }
}

function readyContainers(pod: KubeObject): Set<string> {
  const statuses = (pod.status as { containerStatuses?: { name: string; ready?: boolean }[] } | undefined)?.containerStatuses ?? [];
  return new Set(statuses.filter((s) => s.ready).map((s) => s.name));
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
