// gdeploy apply and rollouts: waiting by default, failure, rolling back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, helloWorld, manifests, write } from './apply-harness.js';

test('apply waits for the rollout by default', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'hello-world-flask', { 'deployment.yaml': helloWorld() });
  const r = await c.gdeploy(['apply', '-f', dir, '--timeout', '60s']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /deployment\/hello-world-flask.*rolled out/);
  const d = await c.get('deployment/hello-world-flask');
  assert.equal(d!.status.readyReplicas, 2);
});

test('a failed rollout exits 3; --rollback-on-failure puts the previous state back; history records both', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'hello-world-flask', { 'deployment.yaml': helloWorld() });
  const ok = await c.gdeploy(['apply', '-f', dir, '--timeout', '60s']);
  assert.equal(ok.code, 0, ok.stderr);

  write(dir, { 'deployment.yaml': helloWorld('registry.invalid/hello-world-flask:v2') });
  const failed = await c.gdeploy(['apply', '-f', dir, '--timeout', '60s', '--rollback-on-failure']);
  assert.equal(failed.code, 3, failed.stderr);
  assert.match(failed.stderr, /rolled back/);
  const d = await c.get('deployment/hello-world-flask');
  assert.equal(d!.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:latest');

  const history = JSON.parse((await c.get('configmap/gdeploy.hello-world-flask'))!.data.history);
  const entries = (Array.isArray(history) ? history : history.revisions) as Array<{ action: string; result: string }>;
  assert.deepEqual(entries.map((e) => [e.action, e.result]), [['apply', 'succeeded'], ['apply', 'rolled back']]);
});
