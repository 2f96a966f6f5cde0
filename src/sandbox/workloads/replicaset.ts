// The replicaset controller: keeps spec.replicas active Pods and reports how
// many are labelled, ready and available (pkg/controller/replicaset).
import { storedStatus } from '../omitempty.js';
import { claim } from './claim.js';
import { WorkloadController } from './controller.js';
import type { EventRecorder } from './events.js';
import { randomSuffix } from './hash.js';
import { CONTROLLER_MANAGER, isTerminating, sameJson, type Pod, type ReplicaSet, type ReplicaSetStatus } from './objects.js';
import { deletionOrder, isPodActive, isPodAvailable, isPodReady, podFromTemplate, untilAvailable } from './pods.js';
import { apiStatusCode, type ReconcileResult, type Runtime } from './runtime.js';

const SOURCE = { component: 'replicaset-controller' };
const OPTS = { fieldManager: CONTROLLER_MANAGER };

export class ReplicaSetController extends WorkloadController<ReplicaSet> {
  constructor(rt: Runtime, events: EventRecorder) {
    super(rt, events, { name: 'replicaset', owner: ['apps', 'ReplicaSet'], child: ['', 'Pod'], adoptOrphans: true });
  }

  protected sync(rs: ReplicaSet): ReconcileResult {
    const candidates = this.rt.cache.list<Pod>('', 'Pod', rs.metadata.namespace).filter(
      (p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    let pods = claim(this.rt, rs, rs.spec.selector, candidates, CONTROLLER_MANAGER).filter(isPodActive);
    let retry: number | undefined;
    if (!isTerminating(rs)) {
      const r = this.manage(rs, pods);
      pods = r.pods;
      retry = r.retry;
    }
    return minDefined(retry, this.writeStatus(rs, pods));
  }

  /** Creates or deletes Pods to reach spec.replicas; returns the active Pods after. */
  private manage(rs: ReplicaSet, pods: Pod[]): { pods: Pod[]; retry?: number } {
    const want = rs.spec.replicas ?? 1;
    const podRes = this.rt.res('', 'Pod');
    if (pods.length < want) {
      const created: Pod[] = [];
      for (let i = pods.length; i < want; i++) {
        try {
          created.push(this.createPod(rs));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.events.record(SOURCE, rs, 'Warning', 'FailedCreate', `Error creating: ${message}`);
          return { pods: [...pods, ...created], retry: this.rt.scaled(10) };
        }
      }
      return { pods: [...pods, ...created] };
    }
    if (pods.length > want) {
      const doomed = deletionOrder(this.rt, pods).slice(0, pods.length - want);
      for (const p of doomed) {
        try {
          this.rt.store.delete(podRes, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
          this.events.record(SOURCE, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          if (apiStatusCode(err) !== 404) throw err;
        }
      }
      const gone = new Set(doomed.map((p) => p.metadata.uid));
      return { pods: pods.filter((p) => !gone.has(p.metadata.uid)) };
    }
    return { pods };
  }

  private createPod(rs: ReplicaSet): Pod {
    const podRes = this.rt.res('', 'Pod');
    for (let attempt = 0; ; attempt++) {
      const pod = podFromTemplate(rs.spec.template, rs, `${rs.metadata.name}-${randomSuffix()}`);
      try {
        const created = this.rt.store.create(podRes, pod, OPTS) as Pod;
        this.events.record(SOURCE, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        return created;
      } catch (err) {
        // A name clash in 27^5 is rare; try another suffix like generateName would.
        if (apiStatusCode(err) !== 409 || attempt >= 3) throw err;
      }
    }
  }

  private writeStatus(rs: ReplicaSet, pods: Pod[]): ReconcileResult {
    const minReady = rs.spec.minReadySeconds ?? 0;
    const now = Date.now();
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const status: ReplicaSetStatus = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(this.rt, p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    if (!sameJson(rs.status ?? {}, storedStatus('apps/ReplicaSet', status))) {
      const current = this.rt.cache.get('apps', 'ReplicaSet', rs.metadata.namespace, rs.metadata.name!) ?? rs;
      this.rt.store.update(this.rt.res('apps', 'ReplicaSet'), { ...current, status }, { ...OPTS, subresource: 'status' });
    }
    // Ready Pods become available minReadySeconds later without any event: look again then.
    return pods.reduce<number | undefined>((m, p) => minDefined(m, untilAvailable(this.rt, p, minReady, now)), undefined);
  }
}

export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
