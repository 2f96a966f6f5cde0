// `gdeploy sync --notify URL`: one JSON message per recorded revision, to a
// receiver on 127.0.0.1. Nothing new deployed, nothing sent; a receiver
// that is down never fails a deploy, and the warning names no credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

const configMap = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notified\ndata:\n  v: "${v}"\n`;

interface Message {
  app: string;
  namespace: string;
  cluster: string;
  revision: string;
  action: string;
  result: string;
  reason?: string;
  text: string;
}

/** A receiver like a Slack incoming webhook: 200 for every JSON POST, remembered in order. */
async function receiver(t: { after: (fn: () => Promise<void>) => void }): Promise<{ url: string; messages: Message[] }> {
  const messages: Message[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      messages.push(JSON.parse(text) as Message);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/hook`, messages };
}

test('--notify: one message per release, with app, revision, result and a line of text; none when nothing was deployed; a failed deploy too', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('notified');
  const rx = await receiver(t);
  const first = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const one = await c.gdeploy(['sync', '--repo', r.remote, '--notify', rx.url]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(rx.messages.length, 1, 'delivered before the command exited');
  const m = rx.messages[0]!;
  assert.equal(m.app, 'notified');
  assert.equal(m.namespace, c.ns);
  assert.ok(m.cluster.length > 0);
  assert.equal(m.revision, `main@sha1:${first}`);
  assert.equal(m.action, 'sync');
  assert.equal(m.result, 'succeeded');
  assert.equal(m.text, `notified: deployed main@sha1:${first.slice(0, 12)} (succeeded)`);

  const again = await c.gdeploy(['sync', '--repo', r.remote, '--notify', rx.url]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(rx.messages.length, 1, 'the commit was deployed already: no new revision, no message');

  const broken = await r.commit({ 'bad.yaml': 'kind: [\n' }, 'broken');
  const failed = await c.gdeploy(['sync', '--repo', r.remote, '--notify', rx.url]);
  assert.notEqual(failed.code, 0);
  assert.equal(rx.messages.length, 2);
  const f = rx.messages[1]!;
  assert.equal(f.revision, `main@sha1:${broken}`);
  assert.equal(f.result, 'failed');
  assert.match(f.reason ?? '', /bad\.yaml/);
  assert.match(f.text, new RegExp(`^notified: deploy of main@sha1:${broken.slice(0, 12)} failed: .*bad\\.yaml`));
});

test('--notify to a receiver that is down: the deploy succeeds (exit 0), a warning says so without the URL\'s credentials, other receivers get theirs', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('notified');
  const rx = await receiver(t);
  const port = await freePort();
  const down = `http://alice:pa55word@127.0.0.1:${port}/services/T0/B0/XyZsecretPath`;
  const sha = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const res = await c.gdeploy(['sync', '--repo', r.remote, '--notify', down, '--notify', rx.url]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal((await c.get('configmap/notified'))?.data?.v, '1');
  assert.match(res.stderr, new RegExp(`Warning: notification to --notify #1 \\(http://127\\.0\\.0\\.1:${port}/…\\) not delivered: ECONNREFUSED`));
  const out = res.stdout + res.stderr;
  for (const secret of ['pa55word', 'alice', 'XyZsecretPath']) assert.ok(!out.includes(secret), `${secret} is not printed`);
  assert.equal(rx.messages.length, 1);
  assert.equal(rx.messages[0]!.revision, `main@sha1:${sha}`);
});

test('--notify under --watch: a drift correction is a message of its own', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('notified');
  const rx = await receiver(t);
  const sha = await r.commit({ 'cm.yaml': configMap('1') }, 'one');
  const w = c.spawn(['sync', '--repo', r.remote, '--watch', '--interval', '1s', '--notify', rx.url]);
  await w.waitFor(new RegExp(`deployed main@sha1:${sha} \\(revision 1\\)`));
  await c.kube.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: c.ns, name: 'notified' }, { data: { v: 'by hand' } }, 'merge', { fieldManager: 'kubectl-patch' });
  await w.waitFor(new RegExp(`drift corrected at main@sha1:${sha} \\(revision 2\\)`));
  for (let i = 0; rx.messages.length < 2; i++) {
    assert.ok(i < 600, `a second message arrives; got ${JSON.stringify(rx.messages)}`);
    await sleep(100);
  }
  const d = rx.messages[1]!;
  assert.equal(d.action, 'drift');
  assert.equal(d.result, 'succeeded');
  assert.match(d.text, new RegExp(`^notified: drift corrected at main@sha1:${sha.slice(0, 12)} \\(succeeded\\): configmap/notified`));
  const stopped = await w.stop('SIGTERM');
  assert.equal(stopped.code, 143, w.output());
});
