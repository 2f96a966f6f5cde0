// gdeploy apply when something is wrong: a field owned by another manager,
// bad YAML, an invalid object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, configMap, helloWorld, manifests } from './apply-harness.js';

test('a conflict with another field manager fails that object only; --force-conflicts takes it over', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const theirs = manifests(t, 'theirs', { 'cm.yaml': configMap('shared', { owner: 'other' }) });
  const k = await c.kubectl(['apply', '--server-side', '--field-manager=other', '-f', theirs]);
  assert.equal(k.code, 0, k.stderr);
  const dir = manifests(t, 'mine', { 'shared.yaml': configMap('shared', { owner: 'gdeploy' }), 'own.yaml': configMap('own', { a: '1' }) });

  const r = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`ConfigMap/${c.ns}/shared apply failed: .*conflict.*"other".*\\.data\\.owner`, 's'));
  assert.match(r.stdout, /^configmap\/own created$/m);
  assert.equal((await c.get('configmap/shared'))!.data.owner, 'other', 'left untouched');

  const forced = await c.gdeploy(['apply', '-f', dir, '--no-wait', '--force-conflicts']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /^configmap\/shared configured$/m);
  const shared = await c.get('configmap/shared');
  assert.equal(shared!.data.owner, 'gdeploy');
});

test('bad YAML and an invalid object: nothing is applied', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const broken = manifests(t, 'broken', { 'a.yaml': configMap('first', { a: '1' }), 'b.yaml': `${configMap('second', { b: '2' })}---\nkind: [\n` });
  const r = await c.gdeploy(['apply', '-f', broken, '--no-wait']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /b\.yaml: document 2, line \d+/);
  assert.equal(await c.get('configmap/first'), undefined);

  const invalid = manifests(t, 'invalid', {
    'a.yaml': configMap('first', { a: '1' }),
    'b.yaml': helloWorld().replace('replicas: 2', 'replicas: -1'),
  });
  const v = await c.gdeploy(['apply', '-f', invalid, '--no-wait']);
  assert.equal(v.code, 1);
  assert.match(v.stderr, new RegExp(`Deployment/${c.ns}/hello-world-flask \\(\\S*b\\.yaml, document 1\\) apply failed: .*replicas`));
  assert.equal(await c.get('configmap/first'), undefined);
  assert.equal(await c.get('configmap/gdeploy.invalid'), undefined, 'no inventory written either');
});
