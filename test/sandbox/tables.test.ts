import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toTable, wantsTable, type Table } from '../../src/sandbox/tables.js';
import { humanDuration, evalJsonPath } from '../../src/sandbox/table-format.js';
import type { KubeObject, ResourceType } from '../../src/sandbox/types.js';
import { deployment as helloWorld } from './patch-fixtures.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

function resource(group: string, kind: string, plural: string, namespaced = true): ResourceType {
  return {
    group,
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ['get', 'list'],
    subresources: [],
    listKind: `${kind}List`,
  };
}

const DEPLOYMENTS = resource('apps', 'Deployment', 'deployments');
const PODS = resource('', 'Pod', 'pods');

function columns(t: Table, priority?: number): string[] {
  return t.columnDefinitions.filter((c) => priority === undefined || c.priority === priority).map((c) => c.name);
}

function cellsByColumn(t: Table, row = 0): Record<string, unknown> {
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, t.rows[row]!.cells[i]]));
}

const base = helloWorld([{ name: 'hello-world-flask', image: 'lyzhang1999/hello-world-flask:v1' }]);
const deployment: KubeObject = {
  ...base,
  metadata: { ...base.metadata, creationTimestamp: ago(185), resourceVersion: '42' },
  status: { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 },
};

test('a Deployment prints the columns and cells of `kubectl get deploy -o wide`', () => {
  const t = toTable(DEPLOYMENTS, [deployment], { includeObject: 'None', now: NOW, listMeta: { resourceVersion: '50' } });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.equal(t.metadata.resourceVersion, '50');
  assert.deepEqual(columns(t, 0), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  assert.deepEqual(columns(t, 1), ['Containers', 'Images', 'Selector']);
  assert.deepEqual(cellsByColumn(t), {
    Name: 'hello-world-flask',
    Ready: '2/2',
    'Up-to-date': 1,
    Available: 2,
    Age: '3m5s',
    Containers: 'hello-world-flask',
    Images: 'lyzhang1999/hello-world-flask:v1',
    Selector: 'app=hello-world-flask',
  });
  assert.equal(t.rows[0]!.object, undefined);
});

test('a ReplicaSet prints DESIRED CURRENT READY', () => {
  const rs = { ...deployment, kind: 'ReplicaSet', metadata: { ...deployment.metadata, name: 'hello-world-flask-7d4b9c' } };
  const t = toTable(resource('apps', 'ReplicaSet', 'replicasets'), rs, { includeObject: 'Metadata', now: NOW });
  assert.deepEqual(columns(t, 0), ['Name', 'Desired', 'Current', 'Ready', 'Age']);
  assert.deepEqual(t.rows[0]!.cells.slice(0, 4), ['hello-world-flask-7d4b9c', 2, 3, 2]);
  // A single object: the Table carries its resourceVersion; Metadata rows carry PartialObjectMetadata.
  assert.equal(t.metadata.resourceVersion, '42');
  assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: rs.metadata });
});

function pod(name: string, status: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: ago(30) },
    spec: { nodeName: 'sandbox-node-1', containers: [{ name: 'app', image: 'lyzhang1999/hello-world-flask:nope' }] },
    status,
    ...extra,
  };
}

test('a Pod whose image cannot be pulled shows ImagePullBackOff, 0/1 ready', () => {
  const p = pod('web-1', {
    phase: 'Pending',
    podIP: '10.244.0.7',
    podIPs: [{ ip: '10.244.0.7' }],
    containerStatuses: [
      { name: 'app', ready: false, restartCount: 0, image: 'x', imageID: '', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } },
    ],
  });
  const t = toTable(PODS, [p], { includeObject: 'Object', now: NOW });
  assert.deepEqual(columns(t, 0), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  assert.deepEqual(columns(t, 1), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(cellsByColumn(t), {
    Name: 'web-1',
    Ready: '0/1',
    Status: 'ImagePullBackOff',
    Restarts: '0',
    Age: '30s',
    IP: '10.244.0.7',
    Node: 'sandbox-node-1',
    'Nominated Node': '<none>',
    'Readiness Gates': '<none>',
  });
  assert.equal(t.rows[0]!.object, p);
});

test('Pod STATUS follows kubectl: ContainerCreating, Running, CrashLoopBackOff, Completed, Terminating, Init', () => {
  const status = (p: KubeObject): unknown => cellsByColumn(toTable(PODS, p, { includeObject: 'None', now: NOW })).Status;
  assert.equal(status(pod('a', { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] })), 'ContainerCreating');
  assert.equal(status(pod('b', { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: ago(20) } } }] })), 'Running');
  assert.equal(status(pod('c', { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] })), 'CrashLoopBackOff');
  assert.equal(status(pod('d', { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })), 'Completed');
  assert.equal(status(pod('e', { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }] })), 'ExitCode:2');
  const terminating = pod('f', { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }] });
  terminating.metadata.deletionTimestamp = ago(1);
  assert.equal(status(terminating), 'Terminating');
  const init = pod('g', { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { running: {} } }] });
  (init.spec as { initContainers: unknown[] }).initContainers = [{ name: 'migrate', image: 'busybox' }];
  assert.equal(status(init), 'Init:0/1');
  assert.equal(status(pod('h', { phase: 'Pending' })), 'Pending');
});

test('Pod RESTARTS tells when the last restart happened; finished Pods carry the Completed row condition', () => {
  const crashing = pod('c', {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(125) } } },
    ],
  });
  const t = toTable(PODS, crashing, { includeObject: 'None', now: NOW });
  assert.equal(cellsByColumn(t).Restarts, '3 (2m5s ago)');
  assert.equal(t.rows[0]!.conditions, undefined);
  const done = toTable(PODS, pod('d', { phase: 'Succeeded' }), { includeObject: 'None', now: NOW });
  assert.deepEqual(done.rows[0]!.conditions?.map((c) => [c.type, c.status]), [['Completed', 'True']]);
});

test('AGE is worded as kubectl words durations', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [182, '3m2s'],
    [10 * 60 + 59, '10m'],
    [179 * 60, '179m'],
    [3 * 3600 + 5 * 60, '3h5m'],
    [8 * 3600 + 59 * 60, '8h'],
    [2 * 86400, '2d'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [20 * 86400, '20d'],
    [(2 * 365 + 30) * 86400, '2y30d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [seconds, want] of cases) assert.equal(humanDuration(seconds * 1000), want, `${seconds}s`);
  assert.equal(humanDuration(-1500), '0s');
  assert.equal(humanDuration(-5000), '<invalid>');
});

test('core kinds print their own columns', () => {
  const t = (res: ResourceType, obj: KubeObject): Record<string, unknown> => cellsByColumn(toTable(res, obj, { includeObject: 'None', now: NOW }));
  const meta = { name: 'x', creationTimestamp: ago(3600 * 50) };
  assert.deepEqual(t(resource('', 'Namespace', 'namespaces', false), { apiVersion: 'v1', kind: 'Namespace', metadata: meta, status: { phase: 'Active' } }), {
    Name: 'x',
    Status: 'Active',
    Age: '2d2h',
  });
  assert.deepEqual(t(resource('', 'ConfigMap', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: '1', b: '2' } }), { Name: 'x', Data: 2, Age: '2d2h' });
  assert.deepEqual(
    t(resource('', 'Service', 'services'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } },
    }),
    { Name: 'x', Type: 'NodePort', 'Cluster-IP': '10.96.0.10', 'External-IP': '<none>', 'Port(s)': '80:30080/TCP,53/UDP', Age: '2d2h', Selector: 'app=web' },
  );
  const crd = toTable(resource('apiextensions.k8s.io', 'CustomResourceDefinition', 'customresourcedefinitions', false), { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', creationTimestamp: '2026-01-02T03:04:05.678Z' } }, { includeObject: 'None', now: NOW });
  assert.deepEqual(columns(crd), ['Name', 'Created At']);
  assert.deepEqual(crd.rows[0]!.cells, ['widgets.example.com', '2026-01-02T03:04:05Z']);
});

test('custom resources print NAME AGE, or NAME and their printer columns', () => {
  const widgets = resource('example.com', 'Widget', 'widgets');
  const w: KubeObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', creationTimestamp: ago(61) },
    spec: { size: 3 },
    status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] },
  };
  for (const printerColumns of [undefined, []]) {
    const plain = toTable(widgets, w, { includeObject: 'None', now: NOW, ...(printerColumns ? { printerColumns } : {}) });
    assert.deepEqual(columns(plain), ['Name', 'Age']);
    assert.deepEqual(plain.rows[0]!.cells, ['w1', '61s']);
  }
  const custom = toTable(widgets, w, {
    includeObject: 'None',
    now: NOW,
    printerColumns: [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing', priority: 1 },
    ],
  });
  assert.deepEqual(columns(custom), ['Name', 'Size', 'Ready', 'Missing']);
  assert.deepEqual(custom.rows[0]!.cells, ['w1', 3, 'True', null]);
  assert.deepEqual(evalJsonPath({ a: [{ b: 1 }, { b: 2 }] }, '.a[*].b'), [1, 2]);
});

test('watch events after the first carry no column definitions', () => {
  const t = toTable(DEPLOYMENTS, deployment, { includeObject: 'Metadata', noHeaders: true, now: NOW });
  assert.deepEqual(t.columnDefinitions, []);
  assert.equal(t.rows.length, 1);
});

test('wantsTable recognises what kubectl get sends', () => {
  assert.equal(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), true);
  assert.equal(wantsTable('application/json'), false);
  assert.equal(wantsTable('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'), false);
  assert.equal(wantsTable(''), false);
});
