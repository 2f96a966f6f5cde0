// The adapter against the sandbox: the verbs the engine and the rollout
// watcher rely on, with the errors they branch on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import { isConflict, isInvalid, isNotFound } from '../../src/kube/errors.js';
import type { Kube, WatchEvent } from '../../src/kube/types.js';

async function sandboxKube(t: { after: (fn: () => Promise<void> | void) => void }): Promise<Kube> {
  const sb = await startSandbox({ workloads: false });
  const kube = await connect({ kubeconfig: sb.kubeconfigPath });
  t.after(async () => {
    kube.close();
    await sb.stop();
  });
  return kube;
}

const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

test('apply, get, update guarded by resourceVersion, patch, delete', async (t) => {
  const kube = await sandboxKube(t);
  const created = await kube.apply(cm('c', { a: '1' }));
  assert.equal(created.metadata.managedFields?.[0]?.manager, 'gdeploy');
  const dry = await kube.apply(cm('c', { a: '2' }), { dryRun: true });
  assert.equal((dry.data as Record<string, string>).a, '2');
  assert.equal(((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' })).data as Record<string, string>).a, '1', 'dry run stored nothing');

  const stale = { ...created, data: { a: 'stale' } };
  await kube.update({ ...created, data: { a: '3' } });
  await assert.rejects(kube.update(stale), (err: unknown) => isConflict(err));

  const patched = await kube.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }, { data: { b: 'x' } }, 'merge');
  assert.deepEqual(patched.data, { a: '3', b: 'x' });
  await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' });
  assert.equal(await kube.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }), undefined);
  await assert.rejects(kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'c' }), (err: unknown) => isNotFound(err));
});

test('an invalid object is a 422 naming the field', async (t) => {
  const kube = await sandboxKube(t);
  const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: -1 } };
  await assert.rejects(kube.apply(bad, { dryRun: true }), (err: unknown) => {
    assert.ok(isInvalid(err));
    assert.equal(err.subject, 'Deployment/default/d');
    return true;
  });
});

test('list then watch from its resourceVersion; the signal ends the watch', async (t) => {
  const kube = await sandboxKube(t);
  await kube.apply(cm('before', { a: '1' }));
  const list = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default');
  assert.ok(list.items.some((o) => o.metadata.name === 'before' && o.kind === 'ConfigMap'));
  const events: WatchEvent[] = [];
  const stop = new AbortController();
  const watching = kube.watch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'default', { resourceVersion: list.resourceVersion }, (ev) => {
    events.push(ev);
    if (ev.object.metadata.name === 'after' && ev.type === 'MODIFIED') stop.abort();
  }, stop.signal);
  await kube.apply(cm('after', { a: '1' }));
  await kube.apply(cm('after', { a: '2' }));
  await watching;
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED after', 'MODIFIED after']);
});

test('serverVersion', async (t) => {
  const kube = await sandboxKube(t);
  assert.match((await kube.serverVersion()).gitVersion, /^v1\.\d+/);
});

test('a kind is found by group in the version the server serves now; every served kind is listed with its verbs', async (t) => {
  const kube = await sandboxKube(t);
  const version = (name: string, served: boolean, storage: boolean) => ({
    name,
    served,
    storage,
    schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  });
  const crd = (versions: unknown[]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.resolve.example.com' },
    spec: { group: 'resolve.example.com', scope: 'Namespaced', names: { kind: 'Gadget', plural: 'gadgets' }, versions },
  });
  await kube.apply(crd([version('v1alpha1', true, true)]));
  await waitFor(async () => (await kube.resolveKind('resolve.example.com', 'Gadget').catch(() => undefined))?.version === 'v1alpha1');

  // The CRD moves its objects to v1 and stops serving v1alpha1.
  await kube.apply(crd([version('v1alpha1', false, false), version('v1', true, true)]));
  kube.invalidate();
  await waitFor(async () => (await kube.resolveKind('resolve.example.com', 'Gadget').catch(() => undefined))?.version === 'v1');
  await assert.rejects(kube.resolve('resolve.example.com/v1alpha1', 'Gadget'), (err: unknown) => isNotFound(err));
  await assert.rejects(kube.resolveKind('resolve.example.com', 'Nothing'), (err: unknown) => {
    assert.ok(isNotFound(err));
    assert.match((err as Error).message, /no matches for kind "Nothing" in group "resolve.example.com"/);
    return true;
  });
  assert.equal((await kube.resolveKind('', 'ConfigMap')).plural, 'configmaps');

  const types = await kube.resourceTypes();
  const configMaps = types.filter((m) => m.group === '' && m.kind === 'ConfigMap');
  assert.equal(configMaps.length, 1, 'each kind once');
  assert.ok(configMaps[0]!.verbs?.includes('list'));
  assert.ok(types.some((m) => m.group === 'apps' && m.kind === 'Deployment' && m.namespaced));
  assert.ok(types.some((m) => m.group === 'resolve.example.com' && m.kind === 'Gadget' && m.version === 'v1'));
});

async function waitFor(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('condition not reached');
}
