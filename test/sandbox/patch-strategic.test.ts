import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError, schemaFor, strategicMergePatch } from '../../src/sandbox/patch/index.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { containersOf, deployment, dig } from './patch-fixtures.js';

const DEPLOYMENT = schemaFor('apps', 'Deployment');
const POD = schemaFor('', 'Pod');

test('kubectl set image: the container with that name gets the image, the others are kept, in $setElementOrder order', () => {
  const live = deployment([
    { name: 'hello-world-flask', image: 'lyzhang1999/hello-world-flask:latest', ports: [{ containerPort: 5000, protocol: 'TCP' }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  // The patch kubectl set image sends.
  const patch = {
    spec: {
      template: {
        spec: {
          $setElementOrder: undefined,
          '$setElementOrder/containers': [{ name: 'hello-world-flask' }, { name: 'sidecar' }],
          containers: [{ image: 'lyzhang1999/hello-world-flask:v1', name: 'hello-world-flask' }],
        },
      },
    },
  };
  const out = strategicMergePatch(live, patch, DEPLOYMENT);
  assert.deepEqual(containersOf(out), [
    { name: 'hello-world-flask', image: 'lyzhang1999/hello-world-flask:v1', ports: [{ containerPort: 5000, protocol: 'TCP' }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  assert.equal(containersOf(live)[0]!.image, 'lyzhang1999/hello-world-flask:latest', 'the target is not mutated');
});

test('containers: add by a new name, delete with $patch: delete, remove a field with null', () => {
  const live = deployment([
    { name: 'a', image: 'a:1', command: ['run'] },
    { name: 'b', image: 'b:1' },
  ]);
  const out = strategicMergePatch(
    live,
    { spec: { template: { spec: { containers: [{ name: 'b', $patch: 'delete' }, { name: 'a', command: null }, { name: 'c', image: 'c:1' }] } } } },
    DEPLOYMENT,
  );
  assert.deepEqual(
    containersOf(out).map((c) => c.name),
    ['a', 'c'],
  );
  assert.deepEqual(containersOf(out)[0], { name: 'a', image: 'a:1' });
  assert.deepEqual(containersOf(out)[1], { name: 'c', image: 'c:1' });
});

test('$setElementOrder reorders a merged list, including items the patch does not change', () => {
  const live = deployment([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const out = strategicMergePatch(
    live,
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }], containers: [{ name: 'a', image: 'x' }] } } } },
    DEPLOYMENT,
  );
  assert.deepEqual(containersOf(out), [{ name: 'c' }, { name: 'a', image: 'x' }, { name: 'b' }]);
});

test('a patch list whose order contradicts $setElementOrder is refused', () => {
  const live = deployment([{ name: 'a' }, { name: 'b' }]);
  assert.throws(
    () =>
      strategicMergePatch(
        live,
        { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'y' }] } } } },
        DEPLOYMENT,
      ),
    (err: unknown) => err instanceof PatchError && /doesn't match \$setElementOrder list/.test(err.message),
  );
});

test('env merges by name and volumeMounts by mountPath, inside the container they belong to', () => {
  const live = deployment([
    {
      name: 'web',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    },
  ]);
  const out = strategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }, { name: 'A', $patch: 'delete' }],
                volumeMounts: [{ mountPath: '/data', readOnly: true }],
              },
            ],
          },
        },
      },
    },
    DEPLOYMENT,
  );
  const [web] = containersOf(out);
  assert.deepEqual(web!.env, [
    { name: 'B', value: '20' },
    { name: 'C', value: '3' },
  ]);
  assert.deepEqual(web!.volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }]);
});

test('lists without a merge strategy (tolerations, args) are replaced whole', () => {
  const live = deployment([{ name: 'web', args: ['a', 'b'] }], { tolerations: [{ key: 'k1', operator: 'Exists' }] });
  const out = strategicMergePatch(
    live,
    { spec: { template: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }], containers: [{ name: 'web', args: ['c'] }] } } } },
    DEPLOYMENT,
  );
  assert.deepEqual(dig(out, 'spec.template.spec.tolerations'), [{ key: 'k2', operator: 'Exists' }]);
  assert.deepEqual(containersOf(out)[0]!.args, ['c']);
});

test('$patch: replace on a list item replaces the whole list; on a map, the whole map', () => {
  const live = deployment([{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }]);
  const out = strategicMergePatch(live, { spec: { template: { spec: { containers: [{ name: 'z', image: 'z' }, { $patch: 'replace' }] } } } }, DEPLOYMENT);
  assert.deepEqual(containersOf(out), [{ name: 'z', image: 'z' }]);
  const out2 = strategicMergePatch(live, { metadata: { labels: { $patch: 'replace', only: 'this' } } }, DEPLOYMENT);
  assert.deepEqual(out2.metadata.labels, { only: 'this' });
});

test('kubectl rollout restart: an annotation is added to the template, everything else kept', () => {
  const live = deployment([{ name: 'web', image: 'x' }]);
  const out = strategicMergePatch(
    live,
    { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } },
    DEPLOYMENT,
  );
  assert.deepEqual(dig(out, 'spec.template.metadata'), {
    labels: { app: 'hello-world-flask' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
  });
  assert.deepEqual(containersOf(out), [{ name: 'web', image: 'x' }]);
});

test('$retainKeys clears the fields of a retainKeys struct the patch does not keep (Deployment strategy)', () => {
  const live = deployment([{ name: 'web' }]);
  (live.spec as Record<string, unknown>).strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  const out = strategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual(dig(out, 'spec.strategy'), { type: 'Recreate' });
  assert.throws(() => strategicMergePatch(live, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, DEPLOYMENT), /invalid patch format of retainKeys/);
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
  const live: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['a', 'b'] }, spec: { containers: [] } };
  const added = strategicMergePatch(live, { metadata: { finalizers: ['c', 'a'] } }, POD);
  assert.deepEqual([...added.metadata.finalizers!].sort(), ['a', 'b', 'c']);
  const removed = strategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, POD);
  assert.deepEqual(removed.metadata.finalizers, ['b']);
});

test('Pod ports merge by containerPort, ownerReferences by uid', () => {
  const live: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }] },
    spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }] }] },
  };
  const out = strategicMergePatch(
    live,
    {
      metadata: { ownerReferences: [{ uid: 'u1', controller: true }] },
      spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] }] },
    },
    POD,
  );
  assert.deepEqual(out.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }]);
  const ports = (dig(out, 'spec.containers') as { ports: { containerPort: number }[] }[])[0]!.ports;
  assert.deepEqual(
    ports.find((p) => p.containerPort === 80),
    { containerPort: 80, name: 'http', protocol: 'TCP' },
  );
  assert.equal(ports.length, 2);
});

test('null deletes map keys; maps merge key by key', () => {
  const live = deployment([{ name: 'web' }]);
  live.metadata.annotations = { a: '1', b: '2' };
  const out = strategicMergePatch(live, { metadata: { annotations: { a: null, c: '3' } }, spec: { replicas: null } }, DEPLOYMENT);
  assert.deepEqual(out.metadata.annotations, { b: '2', c: '3' });
  assert.equal('replicas' in (out.spec as object), false);
});

test('custom resources do not take strategic merge patches (415)', () => {
  const schema = schemaFor('example.com', 'Widget', { type: 'object', properties: { spec: { type: 'object' } } });
  assert.equal(schema.strategicSupported, false);
  assert.throws(
    () => strategicMergePatch({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, { spec: {} }, schema),
    (err: unknown) => err instanceof PatchError && err.code === 415,
  );
});

test('an unknown $patch directive and an item without its merge key are errors', () => {
  const live = deployment([{ name: 'a' }]);
  assert.throws(() => strategicMergePatch(live, { metadata: { $patch: 'explode' } }, DEPLOYMENT), /unknown patch type: explode/);
  assert.throws(
    () => strategicMergePatch(live, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, DEPLOYMENT),
    (err: unknown) => err instanceof PatchError && err.code === 500 && /^map: map\[image:x\] does not contain declared merge key: name$/.test(err.message),
  );
});
