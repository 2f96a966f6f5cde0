// A custom resource whose CRD arrives in the same deploy is planned before its
// scope is known. Once the CRD exists it may turn out cluster-scoped; the
// inventory must then record it without the namespace it was assumed to have,
// or the next `--prune` would take it for an object that left the manifests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServer } from '../gitops/kube.js';
import { deploy, readInventory } from '../../src/engine/index.js';
import { writeInventory } from '../../src/engine/inventory.js';
import type { KubeObject } from '../../src/kube/types.js';

const server = apiServer();

const objects = (): KubeObject[] => [
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Cluster',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  },
  { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } },
];

test('a cluster-scoped custom resource deployed with its CRD is not pruned by the next deploy of the same manifests', async () => {
  const { kube } = server;
  const first = await deploy(kube, { objects: objects(), app: 'widgets', namespace: 'default', prune: true });
  assert.deepEqual(first.errors, []);
  const inv = await readInventory(kube, 'widgets', 'default');
  assert.deepEqual(
    inv?.objects.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`).sort(),
    ['CustomResourceDefinition//widgets.example.com', 'Widget//w1'],
  );
  const second = await deploy(kube, { objects: objects(), app: 'widgets', namespace: 'default', prune: true });
  assert.deepEqual(second.errors, []);
  assert.deepEqual(second.changeSet.changes.map((c) => `${c.subject} ${c.action}`), ['CustomResourceDefinition/widgets.example.com unchanged', 'Widget/w1 unchanged']);
  assert.ok(await kube.find({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w1' }), 'the Widget is still there');
});

test('an inventory that recorded a cluster-scoped custom resource with a namespace does not get it pruned', async () => {
  const { kube } = server;
  assert.deepEqual((await deploy(kube, { objects: objects(), app: 'widgets', namespace: 'default', prune: true })).errors, []);
  // What an older release wrote: the Widget under the namespace it was first assumed to have.
  const inv = (await readInventory(kube, 'widgets', 'default'))!;
  await writeInventory(kube, { ...inv, objects: inv.objects.map((r) => (r.kind === 'Widget' ? { ...r, namespace: 'default' } : r)) });
  const again = await deploy(kube, { objects: objects(), app: 'widgets', namespace: 'default', prune: true });
  assert.deepEqual(again.errors, []);
  assert.ok(!again.changeSet.changes.some((c) => c.action === 'pruned'), again.changeSet.changes.map((c) => `${c.subject} ${c.action}`).join(', '));
  assert.ok(await kube.find({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w1' }), 'the Widget is still there');
});
