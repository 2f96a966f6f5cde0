// The scheduler: binds each new Pod to the Ready node with the fewest Pods
// that its nodeSelector and node-name affinity (DaemonSets) allow.
import type { KubeObject, StoreEvent } from '../types.js';
import type { EventRecorder } from './events.js';
import { isTerminating, nowIso, setCondition, type Pod } from './objects.js';
import { isNodeReady } from './nodes.js';
import type { ReconcileResult, Runtime } from './runtime.js';

const NAME = 'scheduler';
const SOURCE = { component: 'default-scheduler', manager: 'kube-scheduler' };
const OPTS = { fieldManager: 'kube-scheduler' };

export class Scheduler {
  constructor(
    private readonly rt: Runtime,
    private readonly events: EventRecorder,
  ) {
    rt.register(NAME, (key) => this.schedule(key));
  }

  onEvent(ev: StoreEvent): void {
    const o = ev.object as Pod;
    if (o.kind === 'Pod' && ev.resource.group === '' && ev.type !== 'DELETED' && !o.spec?.nodeName) {
      this.rt.enqueue(NAME, `${o.metadata.namespace}/${o.metadata.name}`);
    }
  }

  private schedule(key: string): ReconcileResult {
    const [ns, name] = key.split('/') as [string, string];
    const podRes = this.rt.res('', 'Pod');
    const pod = this.rt.cache.get<Pod>('', 'Pod', ns, name);
    if (!pod || pod.spec.nodeName || isTerminating(pod)) return undefined;
    const nodes = (this.rt.cache.list('', 'Node', undefined)).filter(isNodeReady);
    const fitting = nodes.filter((n) => fits(pod, n));
    if (fitting.length === 0) {
      const total = nodes.length;
      const message = `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
      this.events.record(SOURCE, pod, 'Warning', 'FailedScheduling', message);
      const conditions = setCondition(pod.status?.conditions, {
        type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: nowIso(),
      });
      this.rt.store.update(podRes, { ...pod, status: { ...pod.status, conditions } }, { ...OPTS, subresource: 'status' });
      return this.rt.scaled(10);
    }
    const load = new Map<string, number>();
    for (const p of this.rt.cache.list<Pod>('', 'Pod')) {
      if (p.spec.nodeName) load.set(p.spec.nodeName, (load.get(p.spec.nodeName) ?? 0) + 1);
    }
    const node = fitting.reduce((best, n) => ((load.get(n.metadata.name!) ?? 0) < (load.get(best.metadata.name!) ?? 0) ? n : best));
    const nodeName = node.metadata.name!;
    // The binding subresource sets nodeName and the PodScheduled condition together.
    const bound = this.rt.store.update(podRes, { ...pod, spec: { ...pod.spec, nodeName } }, OPTS) as Pod;
    const conditions = setCondition(bound.status?.conditions, {
      type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowIso(),
    });
    this.rt.store.update(podRes, { ...bound, status: { ...bound.status, conditions } }, { ...OPTS, subresource: 'status' });
    this.events.record(SOURCE, pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
    return undefined;
  }
}

function fits(pod: Pod, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  // Only the metadata.name field terms DaemonSets write are understood; other terms do not restrict.
  return terms.some((t) =>
    (t.matchFields ?? []).every((f) => f.key !== 'metadata.name' || f.operator !== 'In' || (f.values ?? []).includes(node.metadata.name!)),
  );
}
