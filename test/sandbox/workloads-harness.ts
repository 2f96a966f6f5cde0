// An in-process simulated cluster for workload tests: the store with the
// controllers, scheduler and kubelet running on it, no HTTP.
import assert from 'node:assert/strict';
import { bootstrapCluster } from '../../src/sandbox/namespaces.js';
import { MemoryStore } from '../../src/sandbox/store.js';
import type { KubeObject, ResourceType } from '../../src/sandbox/types.js';
import { startWorkloads, type WorkloadOptions, type Workloads } from '../../src/sandbox/workloads/index.js';

const GROUPS: Record<string, string> = {
  Deployment: 'apps', ReplicaSet: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', ControllerRevision: 'apps', Job: 'batch',
};

export interface TestCluster {
  store: MemoryStore;
  wl: Workloads;
  res(kind: string): ResourceType;
  create<T extends KubeObject>(obj: T): T;
  get<T extends KubeObject = KubeObject>(kind: string, name: string, ns?: string): T | undefined;
  list<T extends KubeObject = KubeObject>(kind: string, ns?: string): T[];
  /** Applies `change` to the current object and writes it back (retrying lost races). */
  modify<T extends KubeObject>(kind: string, name: string, change: (o: T) => void): T;
  /** Resolves with the predicate's first truthy value; rejects with `what` after timeoutMs. */
  waitFor<R>(what: string, predicate: () => R | undefined | false, timeoutMs?: number): Promise<R>;
  stop(): Promise<void>;
}

export function startCluster(opts: WorkloadOptions = {}): TestCluster {
  const store = new MemoryStore();
  bootstrapCluster(store);
  // No HTTP here: the middlewares (proxy, logs, faults) are tested through a real server elsewhere.
  const wl = startWorkloads(store, { use: () => {}, cutWatches: () => 0 }, { readyDelayMs: 20, timeFactor: 0.001, ...opts });
  const res = (kind: string) => {
    const r = store.resourceFor(GROUPS[kind] ?? '', kind);
    if (!r) throw new Error(`no resource for ${kind}`);
    return r;
  };
  const c: TestCluster = {
    store,
    wl,
    res,
    create: (obj) => store.create(res(obj.kind), obj, { fieldManager: 'test' }) as typeof obj,
    get: (kind, name, ns = 'default') => store.get(res(kind), ns, name) as never,
    list: (kind, ns = 'default') => store.list(res(kind), ns).items as never,
    modify(kind, name, change) {
      for (;;) {
        const o = c.get(kind, name) as Parameters<typeof change>[0];
        if (!o) throw new Error(`${kind} ${name} not found`);
        change(o);
        try {
          return store.update(res(kind), o, { fieldManager: 'test' }) as typeof o;
        } catch (err) {
          if ((err as { code?: number }).code !== 409) throw err;
        }
      }
    },
    waitFor: waitUntil,
    stop: () => wl.stop(),
  };
  return c;
}

/** Runs `fn` on a fresh cluster, then checks no controller hit an unexpected error. */
export async function withCluster(fn: (c: TestCluster) => Promise<void>, opts: WorkloadOptions = {}): Promise<void> {
  const c = startCluster(opts);
  try {
    await fn(c);
    assert.deepEqual(c.wl.errors(), []);
  } finally {
    await c.stop();
  }
}

/** Resolves with the predicate's first truthy value, checked every few milliseconds; rejects with `what` after timeoutMs. */
export function waitUntil<R>(what: string, predicate: () => R | undefined | false, timeoutMs = 20_000): Promise<R> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = predicate();
      if (!v) return;
      clearInterval(timer);
      clearTimeout(deadline);
      resolve(v);
    };
    const timer = setInterval(check, 5);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    check();
  });
}

export function deployment(name: string, image: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image, ports: [{ containerPort: 5000 }] }] } },
      ...spec,
    },
  };
}

type Cond = { type: string; status: string; reason?: string; message?: string };

export function condition(o: KubeObject | undefined, type: string): Cond | undefined {
  return ((o?.status as { conditions?: Cond[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

export function status<T = Record<string, unknown>>(o: KubeObject | undefined): T {
  return (o?.status ?? {}) as T;
}

/** The Deployment finished rolling out, by the test `kubectl rollout status` applies. */
export function rolledOut(d: KubeObject | undefined): boolean {
  if (!d) return false;
  const s = status<{ observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number }>(d);
  const want = (d.spec as { replicas?: number }).replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s.updatedReplicas === want &&
    s.replicas === want &&
    s.availableReplicas === want
  );
}

export function eventMessages(c: TestCluster, reason?: string): string[] {
  return c
    .list<KubeObject & { reason?: string; message?: string }>('Event')
    .filter((e) => !reason || e.reason === reason)
    .map((e) => e.message ?? '');
}
