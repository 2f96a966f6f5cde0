import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RevisionRecord } from '../../src/engine/history.js';
import type { ReleaseOutcome } from '../../src/gitops/release.js';
import { checkNotifyUrls, notification, notifier, redactUrl } from '../../src/gitops/notify.js';

const sha = '0123456789abcdef0123456789abcdef01234567';
const outcome = (o: Partial<ReleaseOutcome> = {}): ReleaseOutcome =>
  ({ target: { sha, revision: `main@sha1:${sha}` }, result: 'succeeded', exitCode: 0, changed: true, inventory: [], ...o }) as ReleaseOutcome;
const record = (r: Partial<RevisionRecord> = {}): RevisionRecord => ({
  number: 3,
  action: 'sync',
  result: 'succeeded',
  time: '2025-01-01T00:00:00Z',
  by: 'ci',
  revision: `main@sha1:${sha}`,
  sha,
  inventory: [],
  ...r,
});
const ctx = { app: 'hello-world-flask', namespace: 'default', cluster: 'kind-dev' };

test('a message per revision: the fields, and a line for people', () => {
  const ok = notification(outcome(), record(), ctx);
  assert.deepEqual(ok, {
    app: 'hello-world-flask',
    namespace: 'default',
    cluster: 'kind-dev',
    revision: `main@sha1:${sha}`,
    sha,
    number: 3,
    action: 'sync',
    result: 'succeeded',
    time: '2025-01-01T00:00:00Z',
    text: 'hello-world-flask: deployed main@sha1:0123456789ab (succeeded)',
  });
  const failed = notification(outcome({ result: 'rolled back', reason: 'deployment/web: ImagePullBackOff\nmore' }), record({ result: 'rolled back' }), ctx);
  assert.equal(failed.text, 'hello-world-flask: deploy of main@sha1:0123456789ab rolled back: deployment/web: ImagePullBackOff');
  assert.equal(failed.reason, 'deployment/web: ImagePullBackOff\nmore');
  const drift = notification(outcome(), record({ action: 'drift', drift: ['deployment.apps/web: spec.replicas: 5 -> 2 (kubectl-scale)', 'configmap/x configured'] }), ctx);
  assert.equal(drift.text, 'hello-world-flask: drift corrected at main@sha1:0123456789ab (succeeded): deployment.apps/web: spec.replicas: 5 -> 2 (kubectl-scale) and 1 more');
  assert.equal(drift.action, 'drift');
});

test('URLs: only http(s); what is logged keeps no user, password, path or query', () => {
  const problems: string[] = [];
  checkNotifyUrls(['https://hooks.slack.com/services/T0/B0/XYZ', 'ftp://x', 'not a url'], problems);
  assert.deepEqual(problems, ['invalid --notify #2: expected an http:// or https:// URL', 'invalid --notify #3: expected an http:// or https:// URL']);
  assert.equal(redactUrl('https://user:pa55@hooks.example.com:8443/services/T0/B0/XYZ?token=abc'), 'https://hooks.example.com:8443/…');
  assert.equal(redactUrl('http://127.0.0.1:9/'), 'http://127.0.0.1:9');
});

async function receiver(statuses: number[]): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/s3cret`, bodies };
}

test('delivery is retried with backoff; a receiver that stays down gets a warning that names no secret; flush waits', async (t) => {
  const up = await receiver([503, 200]);
  const down = await receiver([]);
  const downUrl = down.url.replace('http://', 'http://user:pa55word@');
  await new Promise<void>((resolve) => down.server.close(() => resolve()));
  t.after(() => up.server.close());
  const warnings: string[] = [];
  const n = notifier({ urls: [downUrl, up.url], warn: (l) => warnings.push(l), firstDelayMs: 10 });
  n.on({ type: 'released', outcome: outcome(), record: record() }, ctx);
  n.on({ type: 'released', outcome: outcome() }, ctx); // nothing recorded: no message
  await n.flush(5_000);
  assert.equal(up.bodies.length, 2, 'tried again after the 503');
  assert.deepEqual(up.bodies[0], up.bodies[1]);
  assert.equal((up.bodies[1] as { text: string }).text, 'hello-world-flask: deployed main@sha1:0123456789ab (succeeded)');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^notification to --notify #1 \(http:\/\/127\.0\.0\.1:\d+\/…\) not delivered: ECONNREFUSED$/);
});
