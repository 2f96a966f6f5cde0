// gdeploy diff: exit codes as kubectl diff (0 none, 1 differences, >1 error),
// masked Secrets, machine output, and agreement with kubectl diff --server-side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, configMap, helloWorld, manifests, write } from './apply-harness.js';

test('exit 0 without differences, 1 with, 2 on any error', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', { 'deployment.yaml': helloWorld(), 'config.yaml': configMap('settings', { a: '1' }) });

  const fresh = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(fresh.code, 1, fresh.stderr);
  assert.match(fresh.stdout, new RegExp(`^Deployment/${c.ns}/hello-world-flask \\(created\\)$`, 'm'));
  assert.match(fresh.stdout, /^\+\s+(- )?image: lyzhang1999\/hello-world-flask:latest$/m);

  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);
  const same = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stdout, '');

  write(dir, { 'deployment.yaml': helloWorld('lyzhang1999/hello-world-flask:v1') });
  const changed = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, new RegExp(`^Deployment/${c.ns}/hello-world-flask \\(configured\\)$`, 'm'));
  assert.match(changed.stdout, /^-\s+(- )?image: lyzhang1999\/hello-world-flask:latest$/m);
  assert.match(changed.stdout, /^\+\s+(- )?image: lyzhang1999\/hello-world-flask:v1$/m);
  assert.doesNotMatch(changed.stdout, /settings/, 'unchanged objects print nothing');
  assert.equal((await c.get('deployment/hello-world-flask'))!.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:latest', 'diff changes nothing');

  write(dir, { 'bad.yaml': 'kind: [\n' });
  assert.equal((await c.gdeploy(['diff', '-f', dir])).code, 2, 'bad YAML');
  write(dir, { 'bad.yaml': 'apiVersion: v1\nkind: Nonsense\nmetadata:\n  name: x\n' });
  const unknown = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no matches for kind "Nonsense"/);
  write(dir, { 'bad.yaml': null });
  assert.equal((await c.gdeploy(['diff', '-f', dir, '--context', 'nope'])).code, 2, 'bad context');
  assert.equal((await c.gdeploy(['diff', '-f', dir, '--output', 'xml'])).code, 2, 'usage error');
});

test('--prune shows what apply --prune would delete', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', { 'a.yaml': configMap('keep', { a: '1' }), 'b.yaml': configMap('drop', { b: '2' }) });
  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);
  write(dir, { 'b.yaml': null });
  assert.equal((await c.gdeploy(['diff', '-f', dir])).code, 0, 'without --prune, a removed file is no difference');
  const r = await c.gdeploy(['diff', '-f', dir, '--prune']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`^ConfigMap/${c.ns}/drop \\(pruned\\)$`, 'm'));
  assert.match(r.stdout, /^-\s+b: '2'$/m);
});

const secret = (password: string, token: string) => `apiVersion: v1
kind: Secret
metadata:
  name: creds
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"password":"${password}"}}'
type: Opaque
data:
  password: ${Buffer.from(password).toString('base64')}
  user: ${Buffer.from('admin').toString('base64')}
stringData:
  token: ${token}
`;

test('Secret values never show, in text or JSON; a changed key still does', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', { 'secret.yaml': secret('old-password', 'old-token') });
  const created = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(created.code, 1, created.stderr);
  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);

  write(dir, { 'secret.yaml': secret('new-password', 'new-token') });
  const text = await c.gdeploy(['diff', '-f', dir]);
  const json = await c.gdeploy(['diff', '-f', dir, '-o', 'json']);
  assert.equal(text.code, 1, text.stderr);
  assert.equal(json.code, 1, json.stderr);
  assert.match(text.stdout, /^-\s+password: '?\*\*\* \(before\)'?$/m);
  assert.match(text.stdout, /^\+\s+password: '?\*\*\* \(after\)'?$/m);
  for (const out of [created.stdout, text.stdout, json.stdout]) {
    for (const plain of ['old-password', 'new-password', 'old-token', 'new-token', 'admin', 'last-applied-configuration']) {
      assert.ok(!out.includes(plain), `output shows ${plain}`);
    }
    for (const word of ['old-password', 'new-password', 'admin']) assert.ok(!out.includes(Buffer.from(word).toString('base64')), `output shows base64 of ${word}`);
  }
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.changes[0].action, 'configured');
  assert.match(doc.changes[0].diff, /\*\*\* \(after\)/);
});

/** Objects kubectl diff reports: from its `diff -u -N .../LIVE-x/apps.v1.Deployment.default.web ...` lines. */
function kubectlDiffSubjects(out: string): string[] {
  const subjects = new Set<string>();
  for (const m of out.matchAll(/^diff -u -N \S+\/LIVE-\S+?\/(\S+) /gm)) {
    const [kind, ns, name] = m[1]!.split('.').slice(-3);
    subjects.add(`${kind}/${ns}/${name}`);
  }
  return [...subjects].sort();
}

test('gdeploy diff reports a change exactly where kubectl diff --server-side does', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const dir = manifests(t, 'web', {
    'deployment.yaml': helloWorld(),
    'a.yaml': configMap('a', { k: '1' }),
    'b.yaml': configMap('b', { k: '1' }),
    'c.yaml': configMap('c', { k: '1' }),
  });
  assert.equal((await c.gdeploy(['apply', '-f', dir, '--no-wait'])).code, 0);
  write(dir, {
    'deployment.yaml': helloWorld('lyzhang1999/hello-world-flask:v1', 3),
    'b.yaml': configMap('b', { k: '2', extra: 'x' }),
    'd.yaml': configMap('d', { k: 'new' }),
  });
  const ours = await c.gdeploy(['diff', '-f', dir, '-o', 'json']);
  assert.equal(ours.code, 1, ours.stderr);
  const changed = JSON.parse(ours.stdout)
    .changes.filter((x: { action: string }) => x.action !== 'unchanged')
    .map((x: { subject: string }) => x.subject)
    .sort();
  // Another field manager, forcing: kubectl then changes exactly the values the files change.
  const theirs = await c.kubectl(['diff', '--server-side', '--force-conflicts', '--field-manager=e2e', '-f', dir]);
  assert.equal(theirs.code, 1, theirs.stderr);
  assert.deepEqual(changed, kubectlDiffSubjects(theirs.stdout));
  assert.deepEqual(changed, [`ConfigMap/${c.ns}/b`, `ConfigMap/${c.ns}/d`, `Deployment/${c.ns}/hello-world-flask`]);
});
