// The statefulset controller (OrderedReady): Pods `<name>-0..n-1` created in
// order, each Ready before the next; removed from the highest ordinal; rolling
// updates from the highest ordinal down to the partition, one Pod at a time.
import type { KubeObject } from '../types.js';
import { storedStatus } from '../omitempty.js';
import { claim } from './claim.js';
import { WorkloadController } from './controller.js';
import type { EventRecorder } from './events.js';
import { CONTROLLER_MANAGER, isTerminating, sameJson, type LabelSelector, type Pod, type PodTemplateSpec } from './objects.js';
import { isPodAvailable, isPodReady, podFromTemplate, untilAvailable } from './pods.js';
import { minDefined } from './replicaset.js';
import { ensureRevision, templateOf, truncateHistory, type ControllerRevision } from './revisions.js';
import type { ReconcileResult, Runtime } from './runtime.js';

const SOURCE = { component: 'statefulset-controller' };
const OPTS = { fieldManager: CONTROLLER_MANAGER };
const REVISION_LABEL = 'controller-revision-hash';

type StatefulSet = KubeObject & {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
    serviceName?: string;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
  };
  status?: Record<string, unknown> & { currentRevision?: string; updateRevision?: string; collisionCount?: number };
};

function ordinalOf(sts: StatefulSet, pod: Pod): number {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const n = Number(name.slice(prefix.length));
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

export class StatefulSetController extends WorkloadController<StatefulSet> {
  constructor(rt: Runtime, events: EventRecorder) {
    super(rt, events, { name: 'statefulset', owner: ['apps', 'StatefulSet'], child: ['', 'Pod'] });
  }

  protected sync(sts: StatefulSet): ReconcileResult {
    const ownPods = () =>
      claim(this.rt, sts, sts.spec.selector, this.rt.cache.list<Pod>('', 'Pod', sts.metadata.namespace), CONTROLLER_MANAGER).filter((p) => ordinalOf(sts, p) >= 0);
    const { update, all } = ensureRevision(this.rt, sts, sts.spec.template, sts.spec.selector, sts.status?.collisionCount ?? 0);
    const current = all.find((r) => r.metadata.name === sts.status?.currentRevision) ?? update;
    if (!isTerminating(sts)) this.manage(sts, ownPods(), current, update);
    const pods = ownPods();
    const live = new Set([current.metadata.name!, update.metadata.name!, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? '')]);
    truncateHistory(this.rt, all, live, sts.spec.revisionHistoryLimit ?? 10);
    return this.writeStatus(sts, pods, current, update);
  }

  /** One step of OrderedReady management: at most one Pod created or deleted per pass. */
  private manage(sts: StatefulSet, pods: Pod[], current: ControllerRevision, update: ControllerRevision): void {
    const replicas = sts.spec.replicas ?? 1;
    const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(sts, p), p]));
    for (let i = 0; i < replicas; i++) {
      const pod = byOrdinal.get(i);
      if (!pod) {
        const rev = i < partition ? current : update;
        this.createPod(sts, i, rev);
        return;
      }
      if (pod.status?.phase === 'Failed' && !isTerminating(pod)) {
        this.deletePod(sts, pod);
        return;
      }
      if (isTerminating(pod) || !isPodReady(pod)) return;
    }
    const condemned = pods.filter((p) => ordinalOf(sts, p) >= replicas).sort((a, b) => ordinalOf(sts, b) - ordinalOf(sts, a));
    if (condemned.length) {
      if (!isTerminating(condemned[0]!)) this.deletePod(sts, condemned[0]!);
      return;
    }
    if ((sts.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = byOrdinal.get(i)!;
      if (pod.metadata.labels?.[REVISION_LABEL] !== update.metadata.name) {
        this.deletePod(sts, pod);
        return;
      }
    }
  }

  private createPod(sts: StatefulSet, ordinal: number, rev: ControllerRevision): void {
    const name = `${sts.metadata.name}-${ordinal}`;
    const pod = podFromTemplate(templateOf(rev), sts, name, {
      [REVISION_LABEL]: rev.metadata.name!,
      'statefulset.kubernetes.io/pod-name': name,
      'apps.kubernetes.io/pod-index': String(ordinal),
    });
    pod.spec.hostname = name;
    if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
    this.rt.store.create(this.rt.res('', 'Pod'), pod, OPTS);
    this.events.record(SOURCE, sts, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`);
  }

  private deletePod(sts: StatefulSet, pod: Pod): void {
    this.rt.store.delete(this.rt.res('', 'Pod'), pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    this.events.record(SOURCE, sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
  }

  private writeStatus(sts: StatefulSet, pods: Pod[], current: ControllerRevision, update: ControllerRevision): ReconcileResult {
    const minReady = sts.spec.minReadySeconds ?? 0;
    const now = Date.now();
    const active = pods.filter((p) => !isTerminating(p));
    const ready = active.filter(isPodReady).length;
    const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === update.metadata.name).length;
    let currentRevision = current.metadata.name!;
    let currentReplicas = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length;
    const replicas = sts.spec.replicas ?? 1;
    // The rolling update is complete once every Pod runs the update revision and is Ready.
    if (updated === replicas && ready === replicas && pods.length === replicas) {
      currentRevision = update.metadata.name!;
      currentReplicas = updated;
    }
    const status = {
      ...(sts.status ?? {}),
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      currentReplicas,
      updatedReplicas: updated,
      availableReplicas: active.filter((p) => isPodAvailable(this.rt, p, minReady, now)).length,
      currentRevision,
      updateRevision: update.metadata.name!,
      collisionCount: sts.status?.collisionCount ?? 0,
    };
    if (!sameJson(sts.status ?? {}, storedStatus('apps/StatefulSet', status))) {
      this.rt.store.update(this.rt.res('apps', 'StatefulSet'), { ...sts, status }, { ...OPTS, subresource: 'status' });
    }
    return active.reduce<number | undefined>((m, p) => minDefined(m, untilAvailable(this.rt, p, minReady, now)), undefined);
  }
}
