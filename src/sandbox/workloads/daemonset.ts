// The daemonset controller: one Pod on every Ready node the template's
// nodeSelector allows, pinned by node-name affinity, and rolling updates that
// keep at most maxUnavailable nodes without an available Pod.
import type { KubeObject, StoreEvent } from '../types.js';
import { storedStatus } from '../omitempty.js';
import { TEMPLATE_GENERATION } from '../strategy.js';
import { claim } from './claim.js';
import { WorkloadController } from './controller.js';
import type { EventRecorder } from './events.js';
import { randomSuffix } from './hash.js';
import { scaledValue, type IntOrString } from './intstr.js';
import { CONTROLLER_MANAGER, isTerminating, sameJson, type LabelSelector, type Pod, type PodSpec, type PodTemplateSpec } from './objects.js';
import { isNodeReady } from './nodes.js';
import { isPodActive, isPodAvailable, isPodReady, podFromTemplate, untilAvailable } from './pods.js';
import { minDefined } from './replicaset.js';
import { ensureRevision, truncateHistory } from './revisions.js';
import type { ReconcileResult, Runtime } from './runtime.js';

const SOURCE = { component: 'daemonset-controller' };
const OPTS = { fieldManager: CONTROLLER_MANAGER };
const REVISION_LABEL = 'controller-revision-hash';

type DaemonSet = KubeObject & {
  spec: {
    selector: LabelSelector;
    template: PodTemplateSpec;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrString } };
  };
  status?: Record<string, unknown> & { collisionCount?: number };
};

type Toleration = { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number };

/**
 * The tolerations every daemon Pod gets, so node problems neither evict nor
 * keep it off its node; each replaces a template toleration it matches
 * (AddOrUpdateDaemonPodTolerations).
 */
function daemonTolerations(spec: PodSpec): Toleration[] {
  const wanted: [string, string][] = [
    ['not-ready', 'NoExecute'],
    ['unreachable', 'NoExecute'],
    ['disk-pressure', 'NoSchedule'],
    ['memory-pressure', 'NoSchedule'],
    ['pid-pressure', 'NoSchedule'],
    ['unschedulable', 'NoSchedule'],
    ...(spec.hostNetwork ? [['network-unavailable', 'NoSchedule'] as [string, string]] : []),
  ];
  const list = [...((spec.tolerations as Toleration[] | undefined) ?? [])];
  for (const [taint, effect] of wanted) {
    const t: Toleration = { key: `node.kubernetes.io/${taint}`, operator: 'Exists', effect };
    const i = list.findIndex((x) => x.key === t.key && x.effect === effect && x.operator === 'Exists' && !x.value);
    if (i >= 0) list[i] = t;
    else list.push(t);
  }
  return list;
}

/** The node a daemon Pod is meant for: its affinity term, else where it runs. */
function targetNode(pod: Pod): string | undefined {
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.values?.[0]) return f.values[0];
  return pod.spec.nodeName;
}

export class DaemonSetController extends WorkloadController<DaemonSet> {
  constructor(rt: Runtime, events: EventRecorder) {
    super(rt, events, { name: 'daemonset', owner: ['apps', 'DaemonSet'], child: ['', 'Pod'] });
  }

  override onEvent(ev: StoreEvent): void {
    super.onEvent(ev);
    // A node came, went or changed: every DaemonSet may need a Pod more or less.
    if (ev.object.kind === 'Node' && ev.resource.group === '') {
      for (const ds of this.rt.cache.list('apps', 'DaemonSet')) this.enqueue(ds.metadata.namespace, ds.metadata.name!);
    }
  }

  protected sync(ds: DaemonSet): ReconcileResult {
    const selector = ds.spec.template.spec.nodeSelector ?? {};
    const nodes = this.rt.cache
      .list('', 'Node')
      .filter((n) => isNodeReady(n) && Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v))
      .map((n) => n.metadata.name!);
    const listPods = () =>
      claim(this.rt, ds, ds.spec.selector, this.rt.cache.list<Pod>('', 'Pod', ds.metadata.namespace), CONTROLLER_MANAGER).filter(isPodActive);
    const { update, hash, all } = ensureRevision(this.rt, ds, ds.spec.template, ds.spec.selector, ds.status?.collisionCount ?? 0);
    if (!isTerminating(ds)) this.manage(ds, nodes, listPods(), hash);
    const pods = listPods();
    const live = new Set([update.metadata.name!, ...pods.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[REVISION_LABEL] ?? ''}`)]);
    truncateHistory(this.rt, all, live, ds.spec.revisionHistoryLimit ?? 10);
    return this.writeStatus(ds, nodes, pods, hash);
  }

  private manage(ds: DaemonSet, nodes: string[], pods: Pod[], hash: string): void {
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const node = targetNode(p) ?? '';
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const wanted = new Set(nodes);
    for (const [node, list] of byNode) {
      const live = list.filter((p) => !isTerminating(p));
      const extra = wanted.has(node) ? live.slice(1) : live;
      for (const p of extra) this.deletePod(ds, p);
    }
    for (const node of nodes) if (!byNode.get(node)?.some((p) => !isTerminating(p))) this.createPod(ds, node, hash);

    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const minReady = ds.spec.minReadySeconds ?? 0;
    const maxUnavailable = Math.max(1, scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, nodes.length, true));
    let unavailable = nodes.filter((n) => !(byNode.get(n) ?? []).some((p) => !isTerminating(p) && isPodAvailable(this.rt, p, minReady))).length;
    for (const node of nodes) {
      const pod = (byNode.get(node) ?? []).find((p) => !isTerminating(p));
      if (!pod || pod.metadata.labels?.[REVISION_LABEL] === hash) continue;
      if (!isPodAvailable(this.rt, pod, minReady)) {
        this.deletePod(ds, pod);
      } else if (unavailable < maxUnavailable) {
        this.deletePod(ds, pod);
        unavailable++;
      }
    }
  }

  private createPod(ds: DaemonSet, node: string, hash: string): void {
    const pod = podFromTemplate(ds.spec.template, ds, `${ds.metadata.name}-${randomSuffix()}`, {
      [REVISION_LABEL]: hash,
      // The template generation, not metadata.generation: other spec changes leave it alone.
      'pod-template-generation': ds.metadata.annotations?.[TEMPLATE_GENERATION] ?? '1',
    });
    pod.spec.tolerations = daemonTolerations(pod.spec);
    pod.spec.affinity = {
      ...(pod.spec.affinity ?? {}),
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
        },
      },
    };
    const created = this.rt.store.create(this.rt.res('', 'Pod'), pod, OPTS);
    this.events.record(SOURCE, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
  }

  private deletePod(ds: DaemonSet, pod: Pod): void {
    this.rt.store.delete(this.rt.res('', 'Pod'), pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    this.events.record(SOURCE, ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  private writeStatus(ds: DaemonSet, nodes: string[], pods: Pod[], hash: string): ReconcileResult {
    const minReady = ds.spec.minReadySeconds ?? 0;
    const now = Date.now();
    const onNode = (n: string) => pods.find((p) => targetNode(p) === n && !isTerminating(p));
    const scheduled = nodes.map(onNode).filter((p): p is Pod => p !== undefined);
    const available = scheduled.filter((p) => isPodAvailable(this.rt, p, minReady, now)).length;
    const status = {
      ...(ds.status ?? {}),
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: nodes.length,
      numberMisscheduled: 0,
      numberReady: scheduled.filter(isPodReady).length,
      numberAvailable: available,
      numberUnavailable: nodes.length - available,
      updatedNumberScheduled: scheduled.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash).length,
      observedGeneration: ds.metadata.generation,
    };
    if (!sameJson(ds.status ?? {}, storedStatus('apps/DaemonSet', status))) {
      this.rt.store.update(this.rt.res('apps', 'DaemonSet'), { ...ds, status }, { ...OPTS, subresource: 'status' });
    }
    return scheduled.reduce<number | undefined>((m, p) => minDefined(m, untilAvailable(this.rt, p, minReady, now)), undefined);
  }
}
