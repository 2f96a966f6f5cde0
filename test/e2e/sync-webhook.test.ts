// `gdeploy sync --watch --listen`: a push webhook makes the watch fetch at
// once, long before its next poll (--interval 10m). GitHub's signature,
// GitLab's token and a Bearer token are accepted; a call without the secret
// changes nothing; the secret never shows in the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitopsSuite } from '../helpers/gitrepo.js';
import type { Cluster } from '../helpers/cluster.js';

const suite = gitopsSuite();

const configMap = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\ndata:\n  v: "${v}"\n`;

/** Polls the cluster until the ConfigMap shows `v` (a generous deadline: no timing is asserted). */
async function shows(c: Cluster, v: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const cm = await c.get('configmap/hooked');
    if (cm?.data?.v === v) return;
    if (Date.now() > deadline) throw new Error(`configmap/hooked never showed v=${v} (it has ${JSON.stringify(cm?.data)})`);
    await sleep(200);
  }
}

test('webhooks: a signed GitHub push, a GitLab token and a Bearer token each deploy the new commit at once; a bad signature gets 401 and deploys nothing', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('hooked');
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  const secretFile = join(r.root, 'webhook-secret');
  await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
  const first = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const w = c.spawn(['sync', '--repo', r.remote, '--watch', '--interval', '10m', '--listen', '127.0.0.1:0', '--webhook-secret-file', secretFile]);
  const listening = await w.waitFor(/listening for webhooks on http:\/\/127\.0\.0\.1:\d+\/hook/);
  const hook = listening.slice(listening.indexOf('http://'));
  const base = hook.slice(0, -'/hook'.length);
  await w.waitFor(new RegExp(`deployed main@sha1:${first} \\(revision 1\\)`));

  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await health.text()).trim(), 'ok');

  // A push signed with another secret: refused, and nothing is fetched.
  const second = await r.commit({ 'cm.yaml': configMap('2') }, 'two');
  const push = JSON.stringify({ ref: 'refs/heads/main', after: second, repository: { full_name: 'acme/hooked' } });
  const signature = (body: string, key: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  let mark = w.output().length;
  const forged = await fetch(hook, { method: 'POST', body: push, headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(push, 'not-the-secret') } });
  assert.equal(forged.status, 401);
  await w.waitFor(/webhook: refused a call from \S+: bad X-Hub-Signature-256/, mark);
  const noBearer = await fetch(hook, { method: 'POST', body: '{}', headers: { Authorization: 'Bearer not-the-secret' } });
  assert.equal(noBearer.status, 401);
  await w.waitFor(/webhook: refused a call from \S+: bad Bearer token/, mark);
  assert.doesNotMatch(w.output().slice(mark), /deploying/);
  assert.equal((await c.get('configmap/hooked'))?.data?.v, '1');

  // Signed with the secret: fetched and deployed at once, not in ten minutes.
  mark = w.output().length;
  const signed = await fetch(hook, { method: 'POST', body: push, headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature(push, secret) } });
  assert.equal(signed.status, 202);
  assert.deepEqual(await signed.json(), { status: 'accepted', message: 'fetching now' });
  await shows(c, '2');
  await w.waitFor(new RegExp(`deployed main@sha1:${second} \\(revision 2\\)`), mark);

  // The generic form: Authorization: Bearer <secret>.
  await r.commit({ 'cm.yaml': configMap('3') }, 'three');
  const bearer = await fetch(hook, { method: 'POST', headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(bearer.status, 202);
  await shows(c, '3');

  // GitLab: X-Gitlab-Token: <secret>.
  await r.commit({ 'cm.yaml': configMap('4') }, 'four');
  const gitlab = await fetch(hook, { method: 'POST', body: '{"object_kind":"push"}', headers: { 'X-Gitlab-Token': secret, 'X-Gitlab-Event': 'Push Hook' } });
  assert.equal(gitlab.status, 202);
  await shows(c, '4');

  // Wrong method, unknown path, a body over 1 MiB.
  assert.equal((await fetch(hook)).status, 405);
  assert.equal((await fetch(`${base}/hooks`, { method: 'POST' })).status, 404);
  const big = await fetch(hook, { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 'x'), headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(big.status, 413);

  const stopped = await w.stop('SIGTERM');
  assert.equal(stopped.code, 143, w.output());
  assert.ok(!w.output().includes(secret), 'the secret never shows in the output');
});

test('--listen is refused without --watch or without --webhook-secret-file, and with an empty secret file (exit 2)', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('refused');
  const empty = join(r.root, 'empty-secret');
  await writeFile(empty, '\n');
  const once = await c.gdeploy(['sync', '--repo', r.remote, '--listen', '127.0.0.1:0', '--webhook-secret-file', empty]);
  assert.equal(once.code, 2);
  assert.match(once.stderr, /--listen needs --watch/);
  const noSecret = await c.gdeploy(['sync', '--repo', r.remote, '--watch', '--listen', '127.0.0.1:0']);
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /--listen needs --webhook-secret-file FILE/);
  const emptySecret = await c.gdeploy(['sync', '--repo', r.remote, '--watch', '--listen', '127.0.0.1:0', '--webhook-secret-file', empty]);
  assert.equal(emptySecret.code, 2);
  assert.match(emptySecret.stderr, /--webhook-secret-file ".*" is empty/);
  const badAddress = await c.gdeploy(['sync', '--repo', r.remote, '--watch', '--listen', 'localhost', '--webhook-secret-file', empty]);
  assert.equal(badAddress.code, 2);
  assert.match(badAddress.stderr, /invalid --listen "localhost": expected HOST:PORT/);
});
