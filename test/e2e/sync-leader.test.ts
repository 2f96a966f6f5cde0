// Two `gdeploy sync --watch --leader-elect` of one app, as two replicas of a
// Deployment would run: one leads and deploys, the other stands by; when
// the leader is killed, the other takes over and deploys what comes next.
// The Lease is shortened to 3 s (a hidden flag) so that a takeover is quick.
// With --listen on each, a webhook reaching either one reaches the leader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

const configMap = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elected\ndata:\n  v: "${v}"\n`;

test('--leader-elect: exactly one of two watchers deploys; killed, the other takes over and deploys the next commit', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('elected');
  const first = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const args = ['sync', '--repo', r.remote, '--watch', '--interval', '1s', '--leader-elect', '--leader-lease-duration', '3s'];

  const a = c.spawn(args);
  const leads = await a.waitFor(new RegExp(`leading: .* holds Lease ${c.ns}/gdeploy-leader\\.elected`));
  const identity = leads.replace(/^leading: (.*) holds .*$/, '$1');
  await a.waitFor(new RegExp(`deployed main@sha1:${first} \\(revision 1\\)`));

  const b = c.spawn(args);
  const waits = await b.waitFor(/standing by: .* leads \(Lease \S+\)/);
  assert.ok(waits.includes(`standing by: ${identity} leads`), `the replica that waits names the leader: ${waits}`);

  const second = await r.commit({ 'cm.yaml': configMap('2') }, 'two');
  await a.waitFor(new RegExp(`deployed main@sha1:${second} \\(revision 2\\)`));
  assert.doesNotMatch(b.output(), /deploying|deployed/, 'the replica that stands by deploys nothing');

  // The leader dies without handing the Lease back: the other takes it once it runs out.
  await a.stop('SIGKILL');
  await b.waitFor(/leading: .* holds Lease/);
  const third = await r.commit({ 'cm.yaml': configMap('3') }, 'three');
  await b.waitFor(new RegExp(`deployed main@sha1:${third} \\(revision 3\\)`));
  for (let i = 0; (await c.get('configmap/elected'))?.data?.v !== '3'; i++) {
    assert.ok(i < 300, 'the cluster shows the third commit');
    await sleep(200);
  }

  const stopped = await b.stop('SIGTERM');
  assert.equal(stopped.code, 143, b.output());
  const lease = await c.must('lease/gdeploy-leader.elected');
  assert.equal(lease.spec.holderIdentity, undefined, 'a leader that stops hands the Lease back');
});

test('--leader-elect with --listen: a webhook that reaches the replica standing by is passed on to the leader, which fetches at once', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('elected');
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  const secretFile = join(r.root, 'webhook-secret');
  await writeFile(secretFile, `${secret}\n`);
  const first = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const args = ['sync', '--repo', r.remote, '--watch', '--interval', '10m', '--leader-elect', '--listen', '127.0.0.1:0', '--webhook-secret-file', secretFile];
  const a = c.spawn(args);
  await a.waitFor(/leading: /);
  await a.waitFor(new RegExp(`deployed main@sha1:${first} \\(revision 1\\)`));
  const b = c.spawn(args);
  await b.waitFor(/standing by: /);
  const listening = await b.waitFor(/listening for webhooks on http:\S+/);
  const hook = listening.slice(listening.indexOf('http://'));

  const second = await r.commit({ 'cm.yaml': configMap('2') }, 'two');
  const res = await fetch(hook, { method: 'POST', headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { status: 'accepted', message: 'passing it on to the leader' });
  await a.waitFor(/webhook: a call forwarded by another replica from \S+; fetching now/);
  await a.waitFor(new RegExp(`deployed main@sha1:${second} \\(revision 2\\)`));
  assert.doesNotMatch(b.output(), /deploying|deployed/);
  assert.ok(!a.output().includes(secret) && !b.output().includes(secret), 'the secret never shows in the output');
});
