// The store's registry rules: what a real API server does on each write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/sandbox/errors.js';
import { CrdController } from '../../src/sandbox/crd.js';
import { GarbageCollector } from '../../src/sandbox/gc.js';
import { bootstrapCluster, NamespaceController } from '../../src/sandbox/namespaces.js';
import { MemoryStore, type RawEvent } from '../../src/sandbox/store.js';
import type { KubeObject, ResourceType } from '../../src/sandbox/types.js';

function newStore(historySize?: number): MemoryStore {
  const store = new MemoryStore(historySize === undefined ? {} : { historySize });
  bootstrapCluster(store);
  return store;
}

function res(store: MemoryStore, group: string, plural: string): ResourceType {
  const r = store.resourceByPlural(group, plural);
  assert.ok(r, `${group}/${plural} is served`);
  return r;
}

function deployment(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `example/${name}:latest` }] } },
    },
    ...extra,
  };
}

function configMap(name: string, labels: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { k: 'v' } };
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected an ApiError');
}

/** Lets the store's controllers (queued on later turns) run until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

test('create fills in identity, generation and the server-side defaults', () => {
  const store = newStore();
  const d = store.create(res(store, 'apps', 'deployments'), deployment('web'));
  assert.match(d.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.equal(d.metadata.generation, 1);
  assert.match(d.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(d.metadata.resourceVersion, store.resourceVersion());
  const spec = d.spec as Record<string, any>;
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  const c = spec.template.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(spec.template.spec.restartPolicy, 'Always');
  assert.equal(spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(d.status, {});
});

test('a Service gets a cluster IP, TCP ports and targetPort = port', () => {
  const store = newStore();
  const svc = store.create(res(store, '', 'services'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  });
  const spec = svc.spec as Record<string, any>;
  assert.match(spec.clusterIP, /^10\.96\.\d+\.\d+$/);
  assert.notEqual(spec.clusterIP, '10.96.0.1');
  assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  const updated = store.update(res(store, '', 'services'), { ...svc, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  assert.equal((updated.spec as Record<string, any>).clusterIP, spec.clusterIP, 'an update that omits clusterIP keeps it');
});

test('a stale resourceVersion gets 409 Conflict with the real message; an empty one is unconditional', () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const first = store.create(deployments, deployment('web'));
  store.update(deployments, { ...first, metadata: { ...first.metadata, labels: { app: 'web', v: '2' } } });
  const err = apiError(() => store.update(deployments, first));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(
    err.message,
    'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
  );
  const { resourceVersion: _rv, ...meta } = first.metadata;
  const forced = store.update(deployments, { ...first, metadata: meta });
  assert.deepEqual(forced.metadata.labels, { app: 'web' });
});

test("generation moves with the spec (and a Deployment's annotations) only; kinds without generation have none", () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const d = store.create(deployments, deployment('web'));
  const relabelled = store.update(deployments, { ...d, metadata: { ...d.metadata, labels: { app: 'web', tier: 'front' } } });
  assert.equal(relabelled.metadata.generation, 1);
  // A Deployment's annotations are copied to its ReplicaSets: the strategy counts them as spec.
  const annotated = store.update(deployments, { ...relabelled, metadata: { ...relabelled.metadata, annotations: { a: 'b' } } });
  assert.equal(annotated.metadata.generation, 2);
  const scaled = store.update(deployments, { ...annotated, spec: { ...(annotated.spec as object), replicas: 3 } });
  assert.equal(scaled.metadata.generation, 3);
  const withStatus = store.update(deployments, { ...scaled, status: { replicas: 3 } }, { subresource: 'status' });
  assert.equal(withStatus.metadata.generation, 3);
  const reordered = store.update(deployments, { ...withStatus, spec: Object.fromEntries(Object.entries(withStatus.spec as object).reverse()) });
  assert.equal(reordered.metadata.generation, 3, 'the same spec in another key order is no change');
  const cm = store.create(res(store, '', 'configmaps'), configMap('cfg'));
  assert.equal(cm.metadata.generation, undefined);
});

test('a no-op update stores nothing and keeps the resourceVersion', () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const d = store.create(deployments, deployment('web'));
  const again = store.update(deployments, d);
  assert.equal(again.metadata.resourceVersion, d.metadata.resourceVersion);
});

test('status is a subresource: the main resource ignores .status, /status writes .status and, for workloads, metadata but labels', () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const d = store.create(deployments, deployment('web', { status: { replicas: 9 } }));
  assert.deepEqual(d.status, {}, 'create drops status');
  const main = store.update(deployments, { ...d, status: { replicas: 5 } });
  assert.deepEqual(main.status, {});
  const meta = { ...main.metadata, labels: { app: 'other' }, annotations: { note: 'from /status' } };
  const st = store.update(deployments, { ...main, metadata: meta, spec: { ...(main.spec as object), replicas: 7 }, status: { replicas: 1 } }, { subresource: 'status' });
  assert.deepEqual(st.status, { replicas: 1 });
  assert.equal((st.spec as { replicas: number }).replicas, 2, '/status does not write spec');
  assert.deepEqual([st.metadata.labels, st.metadata.annotations, st.metadata.generation], [{ app: 'web' }, { note: 'from /status' }, 1]);
  // Fields keep the order of the Go type, spec before status, for clients that read the JSON as it comes.
  assert.deepEqual(Object.keys(st), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
});

test('objects in a missing namespace are refused with 404', () => {
  const store = newStore();
  const err = apiError(() => store.create(res(store, '', 'configmaps'), configMap('x', {}, 'nope')));
  assert.equal(err.code, 404);
  assert.equal(err.message, 'namespaces "nope" not found');
});

test('create of an existing name is 409 AlreadyExists; generateName makes a fresh name', () => {
  const store = newStore();
  const cms = res(store, '', 'configmaps');
  store.create(cms, configMap('one'));
  const err = apiError(() => store.create(cms, configMap('one')));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'AlreadyExists');
  assert.equal(err.message, 'configmaps "one" already exists');
  const gen = store.create(cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cfg-', namespace: 'default' } });
  assert.match(gen.metadata.name!, /^cfg-[a-z0-9]{5}$/);
});

test('validation: 422 Invalid with field causes, as the real server words them', () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const bad = deployment('web');
  (bad.spec as Record<string, any>).template.metadata.labels = { app: 'other' };
  const err = apiError(() => store.create(deployments, bad));
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.equal(
    err.message,
    'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
  );
  assert.deepEqual(err.status.details?.causes, [
    { reason: 'FieldValueInvalid', message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels' },
  ]);
  const noImage = deployment('Web');
  const container = (noImage.spec as Record<string, any>).template.spec.containers[0];
  container.name = 'web';
  delete container.image;
  const err2 = apiError(() => store.create(deployments, noImage));
  assert.deepEqual(
    err2.status.details?.causes?.map((c) => [c.reason, c.field]),
    [
      ['FieldValueInvalid', 'metadata.name'],
      ['FieldValueRequired', 'spec.template.spec.containers[0].image'],
    ],
  );
  assert.match(err2.message, /^Deployment\.apps "Web" is invalid: \[metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/);
});

test('a Deployment selector is immutable', () => {
  const store = newStore();
  const deployments = res(store, 'apps', 'deployments');
  const d = store.create(deployments, deployment('web'));
  const spec = structuredClone(d.spec) as Record<string, any>;
  spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
  spec.template.metadata.labels.tier = 'x';
  const err = apiError(() => store.update(deployments, { ...d, spec }));
  assert.equal(err.code, 422);
  assert.match(err.message, /spec\.selector: Invalid value: .*: field is immutable/);
});

test('dryRun stores nothing, emits nothing and keeps the resourceVersion', () => {
  const store = newStore();
  const cms = res(store, '', 'configmaps');
  const events: RawEvent[] = [];
  store.subscribeRaw((e) => events.push(e));
  const rv = store.resourceVersion();
  const would = store.create(cms, configMap('dry'), { dryRun: true });
  assert.equal(would.metadata.name, 'dry');
  assert.equal(store.get(cms, 'default', 'dry'), undefined);
  const real = store.create(cms, configMap('real'));
  const before = store.resourceVersion();
  store.update(cms, { ...real, data: { k: 'changed' } }, { dryRun: true });
  store.delete(cms, 'default', 'real', { dryRun: true });
  assert.equal(store.resourceVersion(), before);
  assert.deepEqual(store.get(cms, 'default', 'real')?.data, { k: 'v' });
  assert.equal(events.length, 1);
  assert.equal(Number(before), Number(rv) + 1);
});

test('label selectors (equality and set-based) and field selectors', () => {
  const store = newStore();
  const cms = res(store, '', 'configmaps');
  store.create(cms, configMap('a', { app: 'web', tier: 'front' }));
  store.create(cms, configMap('b', { app: 'web', tier: 'back' }));
  store.create(cms, configMap('c', { app: 'db' }));
  const names = (labelSelector?: string, fieldSelector?: string) =>
    store.list(cms, 'default', { labelSelector, fieldSelector }).items.map((o) => o.metadata.name).filter((n) => n !== 'kube-root-ca.crt');
  assert.deepEqual(names('app=web'), ['a', 'b']);
  assert.deepEqual(names('app==web,tier!=front'), ['b']);
  assert.deepEqual(names('tier in (front, back)'), ['a', 'b']);
  assert.deepEqual(names('app notin (web)'), ['c']);
  assert.deepEqual(names('!tier'), ['c']);
  assert.deepEqual(names('tier'), ['a', 'b']);
  assert.deepEqual(names(undefined, 'metadata.name=b'), ['b']);
  assert.deepEqual(names(undefined, 'metadata.namespace=default,metadata.name!=a'), ['b', 'c']);
  const err = apiError(() => names(undefined, 'spec.foo=bar'));
  assert.equal(err.code, 400);
});

test('watch history: events after a resourceVersion, 410 Expired once it is gone', () => {
  const store = newStore(5);
  const cms = res(store, '', 'configmaps');
  const start = store.resourceVersion();
  store.create(cms, configMap('one'));
  const mid = store.resourceVersion();
  store.create(cms, configMap('two'));
  assert.deepEqual(store.eventsSince(mid).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'two']]);
  for (let i = 0; i < 6; i++) store.create(cms, configMap(`more-${i}`));
  const err = apiError(() => store.eventsSince(start));
  assert.equal(err.code, 410);
  assert.equal(err.reason, 'Expired');
  assert.match(err.message, /^too old resource version: \d+ \(\d+\)$/);
});

test('finalizers hold a deleted object until they are removed', () => {
  const store = newStore();
  const cms = res(store, '', 'configmaps');
  store.create(cms, { ...configMap('held'), metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] } });
  const marked = store.delete(cms, 'default', 'held');
  assert.ok(marked.metadata.deletionTimestamp);
  assert.ok(store.get(cms, 'default', 'held'));
  const err = apiError(() => store.update(cms, { ...marked, metadata: { ...marked.metadata, finalizers: ['example.com/hold', 'new'] } }));
  assert.equal(err.code, 422);
  store.update(cms, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  assert.equal(store.get(cms, 'default', 'held'), undefined);
});

test('delete preconditions: a wrong uid is 409', () => {
  const store = newStore();
  const cms = res(store, '', 'configmaps');
  store.create(cms, configMap('x'));
  const err = apiError(() => store.delete(cms, 'default', 'x', { preconditions: { uid: 'nope' } }));
  assert.equal(err.code, 409);
  assert.match(err.message, /Precondition failed: UID in precondition: nope, UID in object meta: /);
});

function ownedBy(owner: KubeObject, name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    ...configMap(name),
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      ...extra,
    },
  };
}

/** A store with a garbage collector, a Deployment `web` and its dependents' resource, for one test. */
async function withOwner(fn: (ctx: { store: MemoryStore; deployments: ResourceType; cms: ResourceType; owner: KubeObject }) => Promise<void>): Promise<void> {
  const store = newStore();
  const gc = new GarbageCollector(store);
  try {
    const deployments = res(store, 'apps', 'deployments');
    const owner = store.create(deployments, deployment('web'));
    await fn({ store, deployments, cms: res(store, '', 'configmaps'), owner });
  } finally {
    gc.stop();
  }
}

test('garbage collection: background deletes dependents after their owner', () =>
  withOwner(async ({ store, deployments, cms, owner }) => {
    store.create(cms, ownedBy(owner, 'dep-1'));
    store.create(cms, ownedBy(owner, 'dep-2'));
    store.delete(deployments, 'default', 'web', { propagationPolicy: 'Background' });
    assert.equal(store.get(deployments, 'default', 'web'), undefined);
    await until(() => !store.get(cms, 'default', 'dep-1') && !store.get(cms, 'default', 'dep-2'), 'dependents deleted');
  }));

test('garbage collection: foreground keeps the owner until its dependents are gone', () =>
  withOwner(async ({ store, deployments, cms, owner }) => {
    store.create(cms, ownedBy(owner, 'dep-held', { finalizers: ['example.com/hold'] }));
    const marked = store.delete(deployments, 'default', 'web', { propagationPolicy: 'Foreground' });
    assert.ok(marked.metadata.deletionTimestamp);
    assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
    await until(() => store.get(cms, 'default', 'dep-held')?.metadata.deletionTimestamp !== undefined, 'dependent marked');
    assert.ok(store.get(deployments, 'default', 'web'), 'owner waits for its dependent');
    const dep = store.get(cms, 'default', 'dep-held')!;
    store.update(cms, { ...dep, metadata: { ...dep.metadata, finalizers: [] } });
    await until(() => !store.get(deployments, 'default', 'web'), 'owner deleted');
  }));

test('garbage collection: orphan strips owner references and keeps dependents', () =>
  withOwner(async ({ store, deployments, cms, owner }) => {
    store.create(cms, ownedBy(owner, 'orphan-me'));
    store.delete(deployments, 'default', 'web', { propagationPolicy: 'Orphan' });
    await until(() => !store.get(deployments, 'default', 'web'), 'owner deleted');
    const dep = store.get(cms, 'default', 'orphan-me');
    assert.ok(dep);
    assert.equal(dep.metadata.ownerReferences, undefined);
  }));

test('garbage collection: a dependent whose owner never existed is deleted', () =>
  withOwner(async ({ store, cms, owner }) => {
    store.create(cms, ownedBy({ ...owner, metadata: { ...owner.metadata, uid: '00000000-0000-0000-0000-000000000000' } }, 'dangling'));
    await until(() => !store.get(cms, 'default', 'dangling'), 'dangling dependent deleted');
  }));

test('namespace deletion: Terminating, contents deleted, then the namespace; new content refused meanwhile', async () => {
  const store = newStore();
  const nsc = new NamespaceController(store);
  try {
    const namespaces = res(store, '', 'namespaces');
    const cms = res(store, '', 'configmaps');
    store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await until(() => !!store.get(res(store, '', 'serviceaccounts'), 'team', 'default'), 'default ServiceAccount');
    store.create(cms, configMap('cfg', {}, 'team'));
    const marked = store.delete(namespaces, undefined, 'team');
    assert.equal((marked.status as { phase: string }).phase, 'Terminating');
    const err = apiError(() => store.create(cms, configMap('late', {}, 'team')));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'configmaps "late" is forbidden: unable to create new content in namespace team because it is being terminated');
    await until(() => !store.get(namespaces, undefined, 'team'), 'namespace gone');
    assert.equal(store.get(cms, 'team', 'cfg'), undefined);
    const keep = apiError(() => store.delete(namespaces, undefined, 'default'));
    assert.equal(keep.code, 403);
  } finally {
    nsc.stop();
  }
});

test('a CRD serves its custom resources, reports Established, and takes them along when deleted', async () => {
  const store = newStore();
  const crdc = new CrdController(store);
  try {
    const crds = res(store, 'apiextensions.k8s.io', 'customresourcedefinitions');
    store.create(crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, subresources: { status: {} } }],
      },
    });
    const widgets = store.resourceByPlural('example.com', 'widgets');
    assert.ok(widgets, 'served right after the CRD is created');
    assert.deepEqual(widgets.shortNames, ['wd']);
    assert.deepEqual(widgets.subresources, ['status']);
    const w = store.create(widgets, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 1 } });
    assert.equal(w.metadata.generation, 1);
    await until(() => {
      const conds = (store.get(crds, undefined, 'widgets.example.com')?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
      return conds.some((c) => c.type === 'Established' && c.status === 'True');
    }, 'Established');
    store.delete(crds, undefined, 'widgets.example.com');
    await until(() => !store.get(crds, undefined, 'widgets.example.com'), 'CRD gone');
    assert.equal(store.resourceByPlural('example.com', 'widgets'), undefined);
    assert.equal([...store.objectsOf('example.com', 'widgets')].length, 0);
  } finally {
    crdc.stop();
  }
});

test('Pods on a node terminate gracefully; unscheduled ones go at once', () => {
  const store = newStore();
  const pods = res(store, '', 'pods');
  const pod = (name: string, nodeName?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox:1.36' }] },
  });
  store.create(pods, pod('pending'));
  store.delete(pods, 'default', 'pending');
  assert.equal(store.get(pods, 'default', 'pending'), undefined);
  const created = store.create(pods, pod('running', 'node-1'));
  assert.deepEqual(created.status, { phase: 'Pending', qosClass: 'BestEffort' });
  const marked = store.delete(pods, 'default', 'running');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(store.get(pods, 'default', 'running'));
  store.delete(pods, 'default', 'running', { gracePeriodSeconds: 0 });
  assert.equal(store.get(pods, 'default', 'running'), undefined);
});

test('snapshot and restore keep objects and the resourceVersion counter', () => {
  const store = newStore();
  store.create(res(store, 'apps', 'deployments'), deployment('web'));
  const snap = store.snapshot();
  const copy = new MemoryStore();
  copy.restore(snap);
  assert.equal(copy.resourceVersion(), store.resourceVersion());
  assert.equal(copy.get(res(copy, 'apps', 'deployments'), 'default', 'web')?.metadata.uid, store.get(res(store, 'apps', 'deployments'), 'default', 'web')?.metadata.uid);
  const next = copy.create(res(copy, '', 'configmaps'), configMap('after'));
  assert.ok(Number(next.metadata.resourceVersion) > Number(snap.resourceVersion));
});

test('custom resources are pruned, defaulted and validated by their CRD schema', () => {
  const store = newStore();
  const crdc = new CrdController(store);
  try {
    store.create(res(store, 'apiextensions.k8s.io', 'customresourcedefinitions'), {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: {
                      size: { type: 'integer', minimum: 1 },
                      color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
                      extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
    const gadgets = res(store, 'example.com', 'gadgets');
    const made = store.create(gadgets, {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: 'default' },
      spec: { size: 2, unknown: true, extra: { anything: 1 } },
      junk: 1,
    });
    assert.deepEqual(made.spec, { size: 2, color: 'red', extra: { anything: 1 } });
    assert.equal(made.junk, undefined);
    const err = apiError(() =>
      store.create(gadgets, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'h', namespace: 'default' }, spec: { size: 'big', color: 'green' } }),
    );
    assert.equal(err.code, 422);
    assert.equal(
      err.message,
      'Gadget.example.com "h" is invalid: [spec.size: Invalid value: "string": spec.size in body must be of type integer: "string", spec.color: Unsupported value: "green": supported values: "red", "blue"]',
    );
    const missing = apiError(() => store.create(gadgets, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'i', namespace: 'default' }, spec: {} }));
    assert.deepEqual(missing.status.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.size' }]);
  } finally {
    crdc.stop();
  }
});
