// `kubectl get` prints the server's Tables as they are: the columns and cells
// below are what kubectl shows a user, including -o wide and --show-labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { crdManifest, KUBECTL, SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { deployment } from './patch-fixtures.js';

const cluster = useKubectlSandbox({ seed: seedRollout });
const { kubectl } = cluster;

function seedRollout({ store }: Sandbox): void {
  // Objects as the controllers would leave them: a Deployment halfway through
  // its rollout, and one of its Pods stuck on a missing image.
  const deployments = store.resourceFor('apps', 'Deployment')!;
  const pods = store.resourceFor('', 'Pod')!;
  const d = store.create(deployments, deployment([{ name: 'hello-world-flask', image: 'lyzhang1999/hello-world-flask:v1' }]));
  store.update(deployments, { ...d, status: { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 } } as KubeObject, { subresource: 'status' });
  const p = store.create(pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hello-world-flask-7c9d-x2x4q', namespace: 'default', labels: { app: 'hello-world-flask' } },
    spec: { nodeName: 'sandbox-node-1', containers: [{ name: 'hello-world-flask', image: 'lyzhang1999/hello-world-flask:nope' }] },
  });
  store.update(
    pods,
    {
      ...p,
      status: {
        phase: 'Pending',
        podIP: '10.244.0.9',
        podIPs: [{ ip: '10.244.0.9' }],
        containerStatuses: [
          { name: 'hello-world-flask', ready: false, restartCount: 0, image: 'lyzhang1999/hello-world-flask:nope', imageID: '', state: { waiting: { reason: 'ImagePullBackOff' } } },
        ],
      },
    } as KubeObject,
    { subresource: 'status' },
  );
}

async function get(...args: string[]): Promise<string[][]> {
  const r = await kubectl(['get', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s{2,}/));
}

test('kubectl get deployments -o wide prints the server columns', { skip }, async () => {
  const [header, row] = await get('deployments', '-o', 'wide');
  assert.deepEqual(header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual([...row!.slice(0, 4), ...row!.slice(5)], [
    'hello-world-flask',
    '2/2',
    '1',
    '2',
    'hello-world-flask',
    'lyzhang1999/hello-world-flask:v1',
    'app=hello-world-flask',
  ]);
  assert.match(row![4]!, /^\d+s$/);
});

test('kubectl get pods shows ImagePullBackOff; -o wide adds IP and node', { skip }, async () => {
  const [header, row] = await get('pods');
  assert.deepEqual(header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.deepEqual(row!.slice(0, 4), ['hello-world-flask-7c9d-x2x4q', '0/1', 'ImagePullBackOff', '0']);
  const [wideHeader, wideRow] = await get('pods', '-o', 'wide');
  assert.deepEqual(wideHeader, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  assert.deepEqual(wideRow!.slice(5), ['10.244.0.9', 'sandbox-node-1', '<none>', '<none>']);
});

test('kubectl get namespaces and services, and --show-labels from the row metadata', { skip }, async () => {
  const ns = await get('namespaces');
  assert.deepEqual(ns[0], ['NAME', 'STATUS', 'AGE']);
  assert.deepEqual(ns.find((r) => r[0] === 'default')?.slice(0, 2), ['default', 'Active']);
  const svc = await get('services');
  assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.deepEqual(svc[1]!.slice(0, 5), ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  const [header, row] = await get('deployments', '--show-labels');
  assert.equal(header!.at(-1), 'LABELS');
  assert.equal(row!.at(-1), 'app=hello-world-flask');
});

test('kubectl get -w prints the header once, then one row per change', { skip }, async () => {
  const child = spawn(KUBECTL, [...cluster.kubectlArgs(), 'get', 'configmaps', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = (re: RegExp): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (re.test(out)) resolve();
        else waiters.push(check);
      };
      void exited.then(() => reject(new Error(`kubectl exited; output:\n${out}`)));
      check();
    });
  try {
    await waitFor(/^NAME\s+DATA\s+AGE$/m);
    const store = cluster.sandbox.store;
    store.create(store.resourceFor('', 'ConfigMap')!, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default' }, data: { a: '1', b: '2' } });
    await waitFor(/^watched\s+2\s+\d+s$/m);
    assert.equal(out.match(/^NAME\s/gm)?.length, 1);
  } finally {
    child.kill();
    await exited;
  }
});

test('custom resources print their CRD printer columns', { skip }, async () => {
  const crd = crdManifest({
    group: 'example.com',
    kind: 'Widget',
    plural: 'widgets',
    specProperties: { size: { type: 'integer' } },
    printerColumns: [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  await cluster.applyCrd(crd);
  const w = await kubectl(['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n');
  assert.equal(w.code, 0, w.stderr);
  const [header, row] = await get('widgets');
  assert.deepEqual(header, ['NAME', 'SIZE', 'AGE']);
  assert.deepEqual(row!.slice(0, 2), ['w1', '3']);
  const crds = await get('crd');
  assert.deepEqual(crds[0], ['NAME', 'CREATED AT']);
  assert.match(crds[1]![1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});
