// A tiny end-to-end run for test/e2e/cluster-fixture.test.ts, which runs it
// against a sandbox of its own named by GDEPLOY_TEST_KUBECONFIG: one test that
// works in its namespace and makes more (a namespace, a Namespace by name, a
// CRD), one that does the same and then fails, one sandbox-only, one skipped
// at run time. Not a *.test.ts: the suite runs it only through that test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cluster, sandboxOnly, type Cluster } from '../helpers/cluster.js';

async function makeThings(c: Cluster): Promise<void> {
  const applied = await c.gdeploy(['apply', '-f', '-', '--app', 'probe', '--no-wait'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  k: v\n' });
  assert.equal(applied.code, 0, applied.stderr);
  assert.ok(await c.get('configmap/probe'));
  const more = await c.namespace('more');
  assert.equal((await c.kubectl(['create', 'configmap', 'there', '-n', more])).code, 0);
  const named = c.clusterName('Namespace', 'named');
  assert.equal((await c.kubectl(['create', 'namespace', named])).code, 0);
  const group = c.group();
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `probes.${group}` }, spec: { group, scope: 'Namespaced', names: { kind: 'Probe', plural: 'probes' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } };
  assert.equal((await c.kubectl(['create', '-f', '-'], JSON.stringify(crd))).code, 0);
}

test('works in a namespace of its own and makes more', async (t) => {
  await makeThings(await cluster(t));
});

test('fails after making things', async (t) => {
  await makeThings(await cluster(t));
  assert.fail('fails on purpose');
});

test('needs the sandbox', { skip: sandboxOnly('fault hooks') }, () => {
  assert.fail('never runs on a given cluster');
});

test('finds the cluster lacking', async (t) => {
  const c = await cluster(t);
  return c.skip(t, 'the cluster lacks what this test needs');
});
