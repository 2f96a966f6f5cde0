// Fault injection through the in-process hooks and the admin endpoint: the
// failures are real metav1.Status answers, delays hold a request back, cut
// watches end, and a paused cluster does nothing until resumed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { deployment, rolledOut, waitUntil } from './workloads-harness.js';

let sb: Sandbox;

before(async () => {
  sb = await startSandbox({ readyDelayMs: 10, timeFactor: 0.001 });
});

after(async () => {
  await sb.stop();
});

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(sb.url + path, init);
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
}

function admin(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  return call(`/sandbox/admin/${path}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

test('failNext answers with the Status a real server sends, then lets requests through', async () => {
  const cases: [number, string, string][] = [
    [500, 'InternalError', 'Internal error occurred: injected fault'],
    [503, 'ServiceUnavailable', 'the server is currently unable to handle the request'],
    [429, 'TooManyRequests', 'Too many requests, please try again later.'],
  ];
  for (const [code, reason, message] of cases) {
    sb.hooks.faults.failNext({ path: DEPLOYMENTS, status: code, retryAfterSeconds: 2 });
    const r = await call(DEPLOYMENTS);
    assert.equal(r.status, code);
    assert.deepEqual([r.body.kind, r.body.apiVersion, r.body.status, r.body.reason, r.body.code, r.body.message], ['Status', 'v1', 'Failure', reason, code, message]);
    if (code === 429 || code === 503) {
      assert.equal(r.headers.get('retry-after'), '2');
      assert.deepEqual((r.body.details as { retryAfterSeconds: number }).retryAfterSeconds, 2);
    }
    assert.equal((await call(DEPLOYMENTS)).status, 200);
  }
});

test('a 409 names the object like an optimistic-lock conflict', async () => {
  sb.hooks.faults.failNext({ path: /\/deployments\/web$/, verb: 'patch', status: 409 });
  const get = await call(`${DEPLOYMENTS}/web`);
  assert.equal(get.status, 404, 'a GET is not the patch the rule selects');
  const r = await call(`${DEPLOYMENTS}/web`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{}' });
  assert.equal(r.status, 409);
  assert.equal(r.body.reason, 'Conflict');
  assert.equal(r.body.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
  assert.deepEqual(r.body.details, { name: 'web', group: 'apps', kind: 'deployments' });
});

test('count and verb narrow what fails', async () => {
  sb.hooks.faults.failNext({ path: DEPLOYMENTS, verb: 'list', status: 503, count: 2 });
  assert.equal((await call(`${DEPLOYMENTS}/nothing`)).status, 404);
  assert.equal((await call(DEPLOYMENTS)).status, 503);
  assert.equal((await call(DEPLOYMENTS)).status, 503);
  assert.equal((await call(DEPLOYMENTS)).status, 200);
});

test('delay holds matching requests back and leaves others alone', async () => {
  sb.hooks.faults.delay({ path: '/api/v1/namespaces/default/configmaps', ms: 300, count: 1 });
  const order: string[] = [];
  const slow = call('/api/v1/namespaces/default/configmaps').then((r) => order.push(`slow ${r.status}`));
  const quick = call('/api/v1/namespaces/default/secrets').then((r) => order.push(`quick ${r.status}`));
  await Promise.all([slow, quick]);
  assert.deepEqual(order, ['quick 200', 'slow 200']);
});

test('cutWatches ends open watch streams', async () => {
  const r = await fetch(`${sb.url}/api/v1/namespaces/default/configmaps?watch=true`);
  const reader = r.body!.getReader();
  await reader.read(); // the initial ADDED events
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })();
  assert.ok(sb.hooks.faults.cutWatches() >= 1);
  assert.equal(await ended, true);
});

test('pause stops the simulated cluster; resume lets it finish the work', async () => {
  sb.hooks.pause();
  try {
    sb.store.create(sb.store.resourceFor('apps', 'Deployment')!, deployment('paused', 'example/web:1'), { fieldManager: 'test' });
    for (let i = 0; i < 20; i++) await nextTurn();
    const rss = sb.store.list(sb.store.resourceFor('apps', 'ReplicaSet')!, 'default').items.filter((rs) => rs.metadata.labels?.app === 'paused');
    assert.equal(rss.length, 0);
  } finally {
    sb.hooks.resume();
  }
  await waitUntil('rollout after resume', () => rolledOut(sb.store.get(sb.store.resourceFor('apps', 'Deployment')!, 'default', 'paused')));
});

test('the admin endpoint drives the same hooks over HTTP', async () => {
  const armed = await admin('faults/fail', { path: '/api/v1/namespaces/default/services', status: 500, count: 1 });
  assert.equal(armed.status, 200);
  assert.deepEqual((armed.body.failures as { status: number; left: number }[]).map((f) => [f.status, f.left]), [[500, 1]]);
  assert.equal((await call('/api/v1/namespaces/default/services')).status, 500);
  assert.equal((await call('/api/v1/namespaces/default/services')).status, 200);

  await admin('faults/fail', { path: 'services$', regex: true, status: 503, count: 5 });
  assert.equal((await call('/api/v1/namespaces/default/services')).status, 503);
  assert.deepEqual((await admin('faults/clear')).body, { failures: [], delays: [] });
  assert.equal((await call('/api/v1/namespaces/default/services')).status, 200);

  await admin('faults/delay', { path: '/api/v1/namespaces/default/pods', ms: 1, count: 1 });
  assert.equal((await call('/sandbox/admin/faults')).body.delays instanceof Array, true);
  assert.deepEqual((await admin('faults/cut-watches')).body, { cut: 0 });

  const rules = await admin('images', { missing: ['example/gone:*'], pullDelayMs: 5 });
  assert.deepEqual(rules.body, { missing: ['example/gone:*'], crash: [], crashAfterReady: [], neverReady: [], pullDelayMs: 5, crashAfterReadyMs: 3000 });
  const flaky = await admin('images', { crashAfterReady: ['example/flaky:*'], crashAfterReadyMs: 1500 });
  assert.deepEqual(flaky.body, { missing: ['example/gone:*'], crash: [], crashAfterReady: ['example/flaky:*'], neverReady: [], pullDelayMs: 5, crashAfterReadyMs: 1500 });
  assert.equal((await admin('images', { crashAfterReadyMs: -1 })).status, 400);
  assert.deepEqual((await admin('images/clear')).body, { missing: [], crash: [], crashAfterReady: [], neverReady: [], pullDelayMs: 50, crashAfterReadyMs: 3000 });

  assert.deepEqual((await admin('controllers/pause')).body, { paused: true });
  assert.deepEqual((await admin('controllers/resume')).body, { paused: false });

  const unknown = await admin('nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.kind, 'Status');
  const bad = await admin('faults/fail', { status: 500 });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.message), /"path" is required/);
  const junk = await call('/sandbox/admin/faults/fail', { method: 'POST', body: '{' });
  assert.equal(junk.status, 400);
});

test('a restarted server keeps its objects, ends open watches and keeps the cluster running', async () => {
  const r = await fetch(`${sb.url}/api/v1/namespaces/default/configmaps?watch=true`);
  const reader = r.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return true;
    } catch {
      return true; // the connection was reset rather than closed
    }
  })();
  await sb.restart();
  assert.equal(await ended, true);
  // A new connection: pooled keep-alive sockets died with the old server, as they would with any.
  const status = await new Promise<number | undefined>((resolve, reject) => {
    request(`${sb.url}${DEPLOYMENTS}/paused`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject).end();
  });
  assert.equal(status, 200);
  sb.store.create(sb.store.resourceFor('apps', 'Deployment')!, deployment('after-restart', 'example/web:1'), { fieldManager: 'test' });
  await waitUntil('rollout after restart', () => rolledOut(sb.store.get(sb.store.resourceFor('apps', 'Deployment')!, 'default', 'after-restart')));
});

test('a delayed watch whose connection a restart dropped leaves nothing open behind it', async () => {
  const path = '/api/v1/namespaces/default/configmaps';
  sb.hooks.faults.delay({ path, verb: 'watch', ms: 300, count: 1 });
  const req = request(`${sb.url}${path}?watch=true&allowWatchBookmarks=true`, (r) => r.resume());
  req.on('error', () => {});
  req.end();
  await new Promise((r) => setTimeout(r, 100));
  await sb.restart();
  await new Promise((r) => setTimeout(r, 500));
  // A leaked stream would still be counted among the open watches (and keep its bookmark timer).
  assert.equal(sb.server.cutWatches(), 0);
});
