// `sync --apps FILE --watch` with webhooks, a leader and notifications: the
// same flags as for one app, for every app of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

const configMap = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

test('--apps --watch --leader-elect --listen --notify: one message per app released; a webhook deploys the next commit at once', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('fleet-hooks');
  const messages: Array<{ app: string; namespace: string; revision: string; result: string; text: string }> = [];
  const rx = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      messages.push(JSON.parse(text));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => rx.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => rx.close(() => resolve())));
  const secret = `whsec-${randomBytes(16).toString('hex')}`;
  const secretFile = join(r.root, 'webhook-secret');
  await writeFile(secretFile, secret);

  const apps = `apps:\n  - name: one\n    path: apps/one\n    namespace: ${c.ns}\n  - name: two\n    path: apps/two\n    namespace: ${c.ns}\n`;
  const first = await r.commit({ 'apps.yaml': apps, 'apps/one/cm.yaml': configMap('one', '1'), 'apps/two/cm.yaml': configMap('two', '1') }, 'two apps');
  const w = c.spawn([
    'sync', '--repo', r.remote, '--apps', 'apps.yaml', '--watch', '--interval', '10m', '--leader-elect',
    '--listen', '127.0.0.1:0', '--webhook-secret-file', secretFile, '--notify', `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`,
  ]);
  const listening = await w.waitFor(/listening for webhooks on http:\S+/);
  const hook = listening.slice(listening.indexOf('http://'));
  await w.waitFor(/leading: .* holds Lease \S+\/gdeploy-leader\.apps\.fleet-hooks\.apps\.yaml/);
  await w.waitFor(new RegExp(`apps at main@sha1:${first}: 2 succeeded`));
  for (let i = 0; messages.length < 2; i++) {
    assert.ok(i < 600, `a message per app: ${JSON.stringify(messages)}`);
    await sleep(100);
  }
  assert.deepEqual(messages.map((m) => [m.app, m.namespace, m.revision, m.result]).sort(), [
    ['one', c.ns, `main@sha1:${first}`, 'succeeded'],
    ['two', c.ns, `main@sha1:${first}`, 'succeeded'],
  ]);

  const second = await r.commit({ 'apps/two/cm.yaml': configMap('two', '2') }, 'two: v2');
  const res = await fetch(hook, { method: 'POST', headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 202);
  await w.waitFor(new RegExp(`apps at main@sha1:${second}: 2 succeeded`));
  assert.equal((await c.get('configmap/two'))?.data?.v, '2');
  // Every app is at the new commit: a revision, and a message, each.
  for (let i = 0; messages.length < 4; i++) {
    assert.ok(i < 600, `a message per app again: ${JSON.stringify(messages)}`);
    await sleep(100);
  }
  assert.deepEqual(messages.slice(2).map((m) => m.text).sort(), [
    `one: deployed main@sha1:${second.slice(0, 12)} (succeeded)`,
    `two: deployed main@sha1:${second.slice(0, 12)} (succeeded)`,
  ]);

  const stopped = await w.stop('SIGTERM');
  assert.equal(stopped.code, 143, w.output());
  assert.ok(!w.output().includes(secret));
});
