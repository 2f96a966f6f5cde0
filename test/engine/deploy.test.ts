import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.js';
import { deploy, plan, readInventory, summarize, APP_LABEL } from '../../src/engine/index.js';
import { FakeKube } from './fake-kube.js';
import { KubeError } from '../../src/kube/errors.js';

const cm = (name: string, data: Record<string, string> = { k: 'v' }, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data,
});
const deployment = (name: string, image: string, namespace?: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { replicas: 2, template: { spec: { containers: [{ name, image }] } } },
});
const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1' }] },
};
const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'team' }, spec: { size: 1 } };

const base = { app: 'web', namespace: 'default' };
const actions = (r: { changeSet: { changes: Array<{ subject: string; action: string }> } }) =>
  Object.fromEntries(r.changeSet.changes.map((c) => [c.subject, c.action]));

test('create, then unchanged without a single write, then configured', async () => {
  const kube = new FakeKube();
  const first = await deploy(kube, { ...base, objects: [cm('a'), deployment('web', 'img:1')] });
  assert.deepEqual(actions(first), { 'ConfigMap/default/a': 'created', 'Deployment/default/web': 'created' });
  assert.deepEqual(first.errors, []);
  // Everything created or changed is waited for (the fake server gives every object generation 1).
  assert.deepEqual(first.changedWorkloads.map((w) => [w.subject, w.generation, w.action]), [['ConfigMap/default/a', 1, 'created'], ['Deployment/default/web', 1, 'created']]);
  assert.equal(kube.objects.get('apps/Deployment/default/web')?.metadata.labels?.[APP_LABEL], 'web');

  kube.writes.length = 0;
  const second = await deploy(kube, { ...base, objects: [cm('a'), deployment('web', 'img:1')] });
  assert.deepEqual(summarize(second.changeSet), { created: 0, configured: 0, unchanged: 2, pruned: 0, skipped: 0, failed: 0 });
  assert.deepEqual(kube.writes, [], 'an unchanged deploy writes nothing, inventory included');
  assert.deepEqual(second.changedWorkloads, []);

  const third = await deploy(kube, { ...base, objects: [cm('a'), deployment('web', 'img:2')] });
  assert.equal(actions(third)['Deployment/default/web'], 'configured');
  assert.deepEqual(third.changedWorkloads.map((w) => w.generation), [2]);
});

test('an invalid object stops everything before the first write', async () => {
  const kube = new FakeKube();
  const bad = cm('bad');
  bad.metadata.labels = { invalid: 'yes' };
  const r = await deploy(kube, { ...base, objects: [cm('a'), bad] });
  assert.deepEqual(kube.writes, []);
  assert.equal(r.dryRun, true);
  assert.match(r.errors[0]!.message, /^ConfigMap\/default\/bad apply failed: ConfigMap "bad" is invalid/);
  assert.deepEqual(actions(r), { 'ConfigMap/default/a': 'skipped', 'ConfigMap/default/bad': 'failed' });
});

test('an unknown kind stops everything and is named', async () => {
  const kube = new FakeKube();
  const r = await deploy(kube, { ...base, objects: [cm('a'), { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } }] });
  assert.deepEqual(kube.writes, []);
  assert.match(r.errors[0]!.message, /no matches for kind "Gadget" in version "example.com\/v1"/);
});

test('Namespaces and CRDs go first; objects in them are planned after', async () => {
  const kube = new FakeKube();
  const r = await deploy(kube, { ...base, objects: [widget, cm('c', {}, 'team'), crd, ns('team')] });
  assert.deepEqual(r.errors, []);
  const order = kube.writes.filter((w) => !w.includes('gdeploy.web'));
  assert.deepEqual(order.slice(0, 2).sort(), ['apply CustomResourceDefinition/widgets.example.com', 'apply Namespace/team']);
  assert.deepEqual(order.slice(2).sort(), ['apply ConfigMap/team/c', 'apply Widget/team/w']);
  assert.equal(actions(r)['Widget/team/w'], 'created');
});

test('conflicts fail only their object, unless forced', async () => {
  const kube = new FakeKube();
  const theirs = deployment('web', 'img:theirs');
  theirs.metadata.annotations = { 'owned-by-other': 'yes' };
  theirs.metadata.namespace = 'default';
  kube.seed(theirs);
  const r = await deploy(kube, { ...base, objects: [cm('a'), deployment('web', 'img:mine')] });
  assert.deepEqual(actions(r), { 'ConfigMap/default/a': 'created', 'Deployment/default/web': 'failed' });
  assert.match(r.errors[0]!.message, /Deployment\/default\/web apply failed: .*conflict with "other"/);
  assert.equal(r.errors[0]!.fatal, false);
  assert.ok(!kube.writes.includes('apply Deployment/default/web'));

  const forced = await deploy(kube, { ...base, objects: [cm('a'), deployment('web', 'img:mine')], forceConflicts: true });
  assert.equal(actions(forced)['Deployment/default/web'], 'configured');
});

test('prune deletes what left the manifests, and only what the inventory holds', async () => {
  const kube = new FakeKube();
  kube.seed({ ...cm('not-mine'), metadata: { name: 'not-mine', namespace: 'default', labels: { [APP_LABEL]: 'web' } } });
  await deploy(kube, { ...base, objects: [cm('a'), cm('b'), ns('extra')] });
  assert.equal((await readInventory(kube, 'web', 'default'))!.objects.length, 3);

  const dry = await deploy(kube, { ...base, objects: [cm('a')], prune: true, dryRun: true });
  assert.deepEqual(actions(dry), { 'ConfigMap/default/a': 'unchanged', 'ConfigMap/default/b': 'pruned', 'Namespace/extra': 'pruned' });
  assert.ok(kube.objects.has('/ConfigMap/default/b'), 'a dry run prunes nothing');

  kube.writes.length = 0;
  const r = await deploy(kube, { ...base, objects: [cm('a')], prune: true });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(kube.writes.filter((w) => w.startsWith('delete')), ['delete ConfigMap/default/b', 'delete Namespace/extra']);
  assert.ok(kube.objects.has('/ConfigMap/default/not-mine'));
  assert.deepEqual((await readInventory(kube, 'web', 'default'))!.objects.map((o) => o.name), ['a']);
});

test('without --prune, removed objects stay in the inventory for a later prune', async () => {
  const kube = new FakeKube();
  await deploy(kube, { ...base, objects: [cm('a'), cm('b')] });
  await deploy(kube, { ...base, objects: [cm('a')] });
  assert.deepEqual((await readInventory(kube, 'web', 'default'))!.objects.map((o) => o.name).sort(), ['a', 'b']);
  const r = await deploy(kube, { ...base, objects: [cm('a')], prune: true });
  assert.equal(actions(r)['ConfigMap/default/b'], 'pruned');
});

test('no prune when planning failed', async () => {
  const kube = new FakeKube();
  await deploy(kube, { ...base, objects: [cm('a'), cm('b')] });
  const bad = cm('a');
  bad.metadata.labels = { invalid: 'yes' };
  kube.writes.length = 0;
  await deploy(kube, { ...base, objects: [bad], prune: true });
  assert.deepEqual(kube.writes, []);
});

test('plan alone writes nothing', async () => {
  const kube = new FakeKube();
  const p = await plan(kube, { ...base, objects: [cm('a'), ns('x')] });
  assert.deepEqual(kube.writes, []);
  assert.deepEqual(p.changeSet.changes.map((c) => c.action), ['created', 'created']);
});

test('a Namespace is not pruned when a prune inside it did not happen', async () => {
  class StuckDeletes extends FakeKube {
    override async delete(ref: Parameters<FakeKube['delete']>[0], opts: Parameters<FakeKube['delete']>[1] = {}): Promise<KubeObject> {
      if (ref.name === 'stuck' && !opts.dryRun) throw new KubeError({ code: 500, reason: 'InternalError', message: 'etcdserver: request timed out' });
      return super.delete(ref, opts);
    }
  }
  const kube = new StuckDeletes();
  await deploy(kube, { ...base, objects: [ns('team'), cm('stuck', { k: 'v' }, 'team')] });
  const r = await deploy(kube, { ...base, objects: [cm('other')], prune: true });
  assert.deepEqual(actions(r), { 'ConfigMap/default/other': 'created', 'ConfigMap/team/stuck': 'failed', 'Namespace/team': 'skipped' });
  assert.match(r.changeSet.changes.find((c) => c.subject === 'Namespace/team')!.error!, /not pruned: ConfigMap\/team\/stuck in it was not pruned/);
  assert.ok(kube.objects.has('/Namespace//team'), 'the Namespace is still there');
  const inv = await readInventory(kube, 'web', 'default');
  assert.ok(inv?.objects.some((o) => o.kind === 'Namespace' && o.name === 'team'), 'and still in the inventory');
});
