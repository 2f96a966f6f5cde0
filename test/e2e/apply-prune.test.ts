// gdeploy apply --prune and staging: what leaves the manifests is deleted,
// nothing outside the app's inventory is, and Namespaces and CRDs go first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, configMap, manifests, write } from './apply-harness.js';

test('--prune deletes a removed object and nothing outside the inventory', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  // Same labels as the app's, but never applied by it: must survive.
  const stray = configMap('stray', { x: '1' }).replace('metadata:\n', 'metadata:\n  labels:\n    gdeploy.dev/app: shop\n');
  assert.equal((await c.kubectl(['apply', '-f', '-'], stray)).code, 0);
  const dir = manifests(t, 'shop', { 'a.yaml': configMap('keep', { a: '1' }), 'b.yaml': configMap('drop', { b: '2' }) });
  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);

  write(dir, { 'b.yaml': null });
  const noPrune = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(noPrune.code, 0, noPrune.stderr);
  assert.ok(await c.get('configmap/drop'), 'without --prune nothing is deleted');

  const dry = await c.gdeploy(['apply', '-f', dir, '--no-wait', '--prune', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^configmap\/drop pruned \(server dry run\)$/m);
  assert.ok(await c.get('configmap/drop'), 'a dry run prunes nothing');

  const pruned = await c.gdeploy(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stdout, /^configmap\/drop pruned$/m);
  assert.match(pruned.stdout, /^configmap\/keep unchanged$/m);
  assert.equal(await c.get('configmap/drop'), undefined);
  assert.ok(await c.get('configmap/stray'), 'an object outside the inventory is never pruned');
  assert.ok(await c.get('configmap/keep'));
});

test('no prune when loading or planning fails', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'shop', { 'a.yaml': configMap('keep', { a: '1' }), 'b.yaml': configMap('drop', { b: '2' }) });
  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);
  write(dir, { 'b.yaml': null, 'c.yaml': 'apiVersion: v1\nkind: Nonsense\nmetadata:\n  name: x\n' });
  const r = await c.gdeploy(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no matches for kind "Nonsense" in version "v1"/);
  assert.ok(await c.get('configmap/drop'), 'nothing pruned');
});

const crd = (group: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
    listKind: WidgetList
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;
const widget = (group: string, namespace: string) => `apiVersion: ${group}/v1
kind: Widget
metadata:
  name: gear
  namespace: ${namespace}
spec:
  size: 3
`;

test('Namespaces and CRDs first: one apply creates a namespace, a CRD and objects in both', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const group = c.group();
  const team = c.clusterName('Namespace', 'team');
  // Files sort so that the dependents come first: the engine, not the order, must get it right.
  const dir = manifests(t, 'platform', {
    'a-widget.yaml': widget(group, team),
    'b-config.yaml': configMap('settings', { a: '1' }, team),
    'y-crd.yaml': crd(group),
    'z-namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${team}\n`,
  });
  const r = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(r.code, 0, r.stderr);
  for (const line of [`widget.${group}/gear created`, 'configmap/settings created', `customresourcedefinition.apiextensions.k8s.io/widgets.${group} created`, `namespace/${team} created`]) {
    assert.ok(r.stdout.split('\n').includes(line), `missing "${line}" in:\n${r.stdout}`);
  }
  assert.equal((await c.get(`widgets.${group}/gear`, team))!.spec.size, 3);
  const again = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.split('\n').filter((l) => l.endsWith(' unchanged')).length, 4, again.stdout);

  // Pruning everything goes the other way: the custom resource before its CRD, the namespace last.
  write(dir, { 'a-widget.yaml': null, 'b-config.yaml': null, 'y-crd.yaml': null, 'z-namespace.yaml': null, 'other.yaml': configMap('other', { o: '1' }) });
  const pruned = await c.gdeploy(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.equal(pruned.stdout.split('\n').filter((l) => l.endsWith(' pruned')).length, 4, pruned.stdout);
  assert.equal(await c.get(`crd/widgets.${group}`), undefined);
});

test('-n sets the namespace of objects without one; a different one in a manifest is refused', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const team = await c.namespace('team');
  const dir = manifests(t, 'shop', { 'a.yaml': configMap('plain', { a: '1' }) });
  const r = await c.gdeploy(['apply', '-f', dir, '--no-wait', '-n', team]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(await c.get('configmap/plain', team));
  assert.ok(await c.get('configmap/gdeploy.shop', team), 'the inventory lives in the target namespace');
  assert.equal(await c.get('configmap/plain'), undefined, 'nothing in the context namespace');

  write(dir, { 'b.yaml': configMap('elsewhere', { b: '1' }, c.ns) });
  const bad = await c.gdeploy(['apply', '-f', dir, '--no-wait', '-n', team]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`the namespace from the provided object "${c.ns}" does not match the namespace "${team}"`));
});
