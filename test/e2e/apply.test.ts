// gdeploy apply against a cluster: create, update, unchanged, machine
// output, dry run. The built CLI runs as a subprocess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, configMap, helloWorld, manifests, write } from './apply-harness.js';

test('create, update, then unchanged with no resourceVersion moving', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'hello-world-flask', { 'deployment.yaml': helloWorld(), 'config.yaml': configMap('settings', { greeting: 'hi' }) });

  const created = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^configmap\/settings created$/m);
  assert.match(created.stdout, /^deployment\.apps\/hello-world-flask created$/m);
  const deploy = await c.get('deployment/hello-world-flask');
  assert.equal(deploy!.spec.replicas, 2);
  assert.equal(deploy!.metadata.labels['app.kubernetes.io/managed-by'], 'gdeploy');
  assert.equal(deploy!.metadata.labels['gdeploy.dev/app'], 'hello-world-flask');
  assert.ok(deploy!.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'gdeploy' && m.operation === 'Apply'));
  const inventory = await c.get('configmap/gdeploy.hello-world-flask');
  assert.ok(inventory, 'the inventory ConfigMap exists');

  write(dir, { 'deployment.yaml': helloWorld('lyzhang1999/hello-world-flask:v1') });
  const updated = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /^deployment\.apps\/hello-world-flask configured$/m);
  assert.match(updated.stdout, /^configmap\/settings unchanged$/m);
  const after = await c.get('deployment/hello-world-flask');
  assert.equal(after!.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:v1');

  const rvs = async () => [
    (await c.get('deployment/hello-world-flask'))!.metadata.resourceVersion,
    (await c.get('configmap/settings'))!.metadata.resourceVersion,
    (await c.get('configmap/gdeploy.hello-world-flask'))!.metadata.resourceVersion,
  ];
  // Let the controllers settle the Deployment's status before sampling resourceVersions.
  const waited = await c.kubectl(['rollout', 'status', 'deployment/hello-world-flask', '--timeout=60s']);
  assert.equal(waited.code, 0, waited.stderr);
  const before = await rvs();
  const again = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^deployment\.apps\/hello-world-flask unchanged$/m);
  assert.match(again.stdout, /^configmap\/settings unchanged$/m);
  assert.deepEqual(await rvs(), before);
});

test('-o json is the documented change set', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', { 'deployment.yaml': helloWorld(), 'config.yaml': configMap('settings', { a: '1' }) });
  const r = await c.gdeploy(['apply', '-f', dir, '--no-wait', '-o', 'json', '--app', 'shop']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.apiVersion, 'gdeploy.dev/v1alpha1');
  assert.equal(doc.kind, 'ChangeSet');
  assert.equal(doc.app, 'shop');
  assert.equal(doc.namespace, c.ns);
  assert.equal(doc.dryRun, false);
  assert.deepEqual(doc.summary, { created: 2, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 });
  const d = doc.changes.find((x: { kind: string }) => x.kind === 'Deployment');
  assert.deepEqual(d, { subject: `Deployment/${c.ns}/hello-world-flask`, apiVersion: 'apps/v1', kind: 'Deployment', namespace: c.ns, name: 'hello-world-flask', action: 'created', generation: 1 });
  assert.deepEqual(doc.errors, []);

  const dry = await c.gdeploy(['apply', '-f', dir, '--dry-run', '-o', 'yaml', '--app', 'shop']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^dryRun: true$/m);
});

test('--dry-run changes nothing and says so', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', { 'config.yaml': configMap('settings', { a: '1' }) });
  const r = await c.gdeploy(['apply', '-f', dir, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^configmap\/settings created \(server dry run\)$/m);
  assert.equal(await c.get('configmap/settings'), undefined);
  assert.equal(await c.get('configmap/gdeploy.web'), undefined);
});
