// Namespaces: the ones a fresh cluster has, what every namespace starts with
// (the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as the
// controller manager adds them), and the lifecycle of a deleted namespace:
// Terminating, its contents deleted (the deleter's conditions reporting what
// is left), then its `kubernetes` finalizer removed.
import { ApiError } from './errors.js';
import { LaterQueue } from './queue.js';
import { NAMESPACE_FINALIZER, setCondition, type Condition, type MemoryStore } from './store.js';
import type { KubeObject, ResourceType } from './types.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const PLACEHOLDER_CA = '-----BEGIN CERTIFICATE-----\nMIIBsandbox\n-----END CERTIFICATE-----\n';
const MANAGER = 'kube-controller-manager';

function core(store: MemoryStore, plural: string): ResourceType {
  const r = store.resourceByPlural('', plural);
  if (!r) throw new Error(`core resource ${plural} is not served`);
  return r;
}

function ignoreExists(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ApiError && (err.code === 409 || err.code === 404 || err.code === 403))) throw err;
  }
}

/** Creates what a new cluster has before anyone uses it; safe to call on a restored store. */
export function bootstrapCluster(store: MemoryStore): void {
  const namespaces = core(store, 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (!store.getRaw(namespaces, undefined, name)) {
      store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'kube-apiserver' });
    }
  }
  const services = core(store, 'services');
  if (!store.getRaw(services, 'default', 'kubernetes')) {
    store.create(
      services,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], type: 'ClusterIP', sessionAffinity: 'None' },
      },
      { fieldManager: 'kube-apiserver' },
    );
  }
}

export class NamespaceController {
  private readonly queue: LaterQueue<string>;
  private readonly unsubscribe: () => void;

  constructor(private readonly store: MemoryStore) {
    this.queue = new LaterQueue((ns) => this.reconcile(ns));
    this.unsubscribe = store.subscribeRaw((ev) => {
      if (ev.resource.group === '' && ev.resource.plural === 'namespaces') {
        if (ev.type !== 'DELETED') this.queue.add(ev.object.metadata.name!, ev.object.metadata.name!);
        return;
      }
      // A namespace waiting for its contents to go needs a look when one goes.
      const ns = ev.object.metadata.namespace;
      if (ev.type === 'DELETED' && ns && this.terminating(ns)) this.queue.add(ns, ns);
    });
    const namespaces = core(store, 'namespaces');
    for (const ns of store.listRaw(namespaces, undefined).items) this.queue.add(ns.metadata.name!, ns.metadata.name!);
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }

  private namespace(name: string): KubeObject | undefined {
    return this.store.getRaw(core(this.store, 'namespaces'), undefined, name);
  }

  private terminating(name: string): boolean {
    return this.namespace(name)?.metadata.deletionTimestamp !== undefined;
  }

  private reconcile(name: string): void {
    const ns = this.namespace(name);
    if (!ns) return;
    if (ns.metadata.deletionTimestamp) this.drain(ns);
    else this.populate(name);
  }

  private populate(name: string): void {
    const sa = core(this.store, 'serviceaccounts');
    if (!this.store.getRaw(sa, name, 'default')) {
      ignoreExists(() => this.store.create(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }, { fieldManager: MANAGER }));
    }
    const cm = core(this.store, 'configmaps');
    if (!this.store.getRaw(cm, name, ROOT_CA_CONFIGMAP)) {
      ignoreExists(() =>
        this.store.create(
          cm,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
            data: { 'ca.crt': PLACEHOLDER_CA },
          },
          { fieldManager: MANAGER },
        ),
      );
    }
  }

  /** Deletes what is left in a terminating namespace; once it is empty, lets the namespace go. */
  private drain(ns: KubeObject): void {
    const name = ns.metadata.name!;
    for (const { res, object } of this.store.objectsInNamespace(name)) {
      if (object.metadata.deletionTimestamp) continue;
      ignoreExists(() => this.store.delete(res, name, object.metadata.name!, { propagationPolicy: 'Background' }));
    }
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    for (const { res, object } of this.store.objectsInNamespace(name)) {
      const gr = `${res.plural}.${res.group}`;
      remaining.set(gr, (remaining.get(gr) ?? 0) + 1);
      for (const f of object.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    }
    const namespaces = core(this.store, 'namespaces');
    let current = ns;
    const status = (ns.status ?? {}) as { conditions?: Condition[] };
    const conditions = deletionConditions(remaining, finalizers).reduce((list, c) => setCondition(list, c), status.conditions ?? []);
    if (JSON.stringify(conditions) !== JSON.stringify(status.conditions)) {
      ignoreExists(() => {
        current = this.store.update(namespaces, { ...ns, status: { ...status, conditions } }, { subresource: 'status', fieldManager: MANAGER });
      });
    }
    if (remaining.size > 0) return; // their deletions bring it back
    const specFinalizers = ((current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    ignoreExists(() =>
      this.store.update(namespaces, { ...current, spec: { ...(current.spec as object), finalizers: specFinalizers } }, { subresource: 'finalize', fieldManager: MANAGER }),
    );
  }
}

/** The namespace deleter's five conditions: all False while nothing failed, the last two True while content is left. */
function deletionConditions(remaining: Map<string, number>, finalizers: Map<string, number>): Condition[] {
  const ok = (type: string, reason: string, message: string): Condition => ({ type, status: 'False', reason, message });
  const list = (m: Map<string, number>, fmt: (k: string, n: number) => string) => [...m].map(([k, n]) => fmt(k, n)).sort().join(', ');
  return [
    ok('NamespaceDeletionDiscoveryFailure', 'ResourcesDiscovered', 'All resources successfully discovered'),
    ok('NamespaceDeletionGroupVersionParsingFailure', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    ok('NamespaceDeletionContentFailure', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    remaining.size > 0
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list(remaining, (gr, n) => `${gr} has ${n} resource instances`)}` }
      : ok('NamespaceContentRemaining', 'ContentRemoved', 'All content successfully removed'),
    finalizers.size > 0
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${list(finalizers, (f, n) => `${f} in ${n} resource instances`)}` }
      : ok('NamespaceFinalizersRemaining', 'ContentRemoved', 'All content successfully removed'),
  ];
}
