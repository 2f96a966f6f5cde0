// The endpoints controller: one Endpoints object per Service with a selector,
// its Ready Pods as addresses and the rest as notReadyAddresses — what
// `kubectl describe service` and `kubectl get endpoints` show.
import type { KubeObject, StoreEvent } from '../types.js';
import { CONTROLLER_MANAGER, isTerminating, labelsMatch, sameJson, type Pod } from './objects.js';
import { isPodReady } from './pods.js';
import { apiStatusCode, type ReconcileResult, type Runtime } from './runtime.js';

const NAME = 'endpoints';

type Service = KubeObject & {
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[] };
};

function selects(svc: Service, pod: KubeObject): boolean {
  return labelsMatch({ matchLabels: svc.spec?.selector }, pod.metadata.labels);
}

/** A Service's targetPort on a Pod: a number as is, a name through the Pod's container ports. */
function targetPort(port: NonNullable<NonNullable<Service['spec']>['ports']>[number], pod: Pod | undefined): number {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  const named = pod?.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === t);
  return named?.containerPort ?? Number(t);
}

export class EndpointsController {
  constructor(private readonly rt: Runtime) {
    rt.register(NAME, (key) => this.sync(key));
  }

  onEvent(ev: StoreEvent): void {
    const o = ev.object;
    const ns = o.metadata.namespace;
    if (o.kind === 'Service' && ev.resource.group === '') {
      if (ev.type === 'DELETED') this.remove(ns, o.metadata.name!);
      else this.rt.enqueue(NAME, `${ns}/${o.metadata.name}`);
    } else if (o.kind === 'Pod' && ev.resource.group === '') {
      for (const svc of this.rt.cache.list<Service>('', 'Service', ns)) {
        if (selects(svc, o) || (ev.old && selects(svc, ev.old))) this.rt.enqueue(NAME, `${ns}/${svc.metadata.name}`);
      }
    }
  }

  private sync(key: string): ReconcileResult {
    const [ns, name] = key.split('/') as [string, string];
    const svc = this.rt.cache.get<Service>('', 'Service', ns, name);
    if (!svc?.spec?.selector) return undefined;
    const pods = this.rt.cache
      .list<Pod>('', 'Pod', ns)
      .filter((p) => selects(svc, p) && !isTerminating(p) && p.status?.podIP)
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const address = (p: Pod) => ({
      ip: p.status!.podIP!,
      nodeName: p.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
    });
    const ready = pods.filter(isPodReady).map(address);
    const notReady = pods.filter((p) => !isPodReady(p)).map(address);
    const ports = (svc.spec.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: targetPort(p, pods[0]),
      protocol: p.protocol ?? 'TCP',
    }));
    const subsets = pods.length
      ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }]
      : undefined;
    const res = this.rt.res('', 'Endpoints');
    const current = this.rt.store.get(res, ns, name);
    if (current && sameJson(current.subsets ?? null, subsets ?? null)) return undefined;
    const next: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: ns, ...(svc.metadata.labels ? { labels: svc.metadata.labels } : {}) },
      ...(subsets ? { subsets } : {}),
    };
    // Endpoints may be created by an update, as the real controller's writes are.
    this.rt.store.update(res, next, { fieldManager: CONTROLLER_MANAGER });
    return undefined;
  }

  private remove(ns: string | undefined, name: string): void {
    try {
      this.rt.store.delete(this.rt.res('', 'Endpoints'), ns, name);
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
    }
  }
}
