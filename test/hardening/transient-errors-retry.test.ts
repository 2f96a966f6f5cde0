// Transient API server failures: jittered retries that honour Retry-After for
// what is safe to repeat, within one time budget per outage (--retry-timeout),
// and a clear error naming the object and the step once it runs out. A
// non-idempotent step (POST) is never blindly repeated; a connection that
// never opened carried nothing, so it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import { Transport } from '../../src/kube/http.js';
import { backoffMs, DEFAULT_RETRY, retriable, retriableConnection } from '../../src/kube/retry.js';
import type { Kube, KubeObject } from '../../src/kube/types.js';
import { runCli } from '../helpers/cli.js';
import { cluster, sandboxOnly } from '../helpers/cluster.js';

const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } });

/** A transport straight to a server, without credentials, with a short retry budget so that giving up takes a moment. */
function transport(sb: Pick<Sandbox, 'url'>, log: string[], more: Partial<ConstructorParameters<typeof Transport>[0]> = {}): Transport {
  return new Transport({
    server: sb.url,
    credentials: async () => ({ tls: {}, headers: {} }),
    log: (line) => log.push(line),
    retry: { budgetMs: 300, baseMs: 20, maxMs: 40, maxRetryAfterMs: 1_000 },
    ...more,
  });
}

test('which failures are retried, and how long the waits are', () => {
  assert.ok(retriable('GET', 503) && retriable('PATCH', 500) && retriable('PUT', 502) && retriable('DELETE', 504));
  assert.ok(retriable('POST', 429), 'a 429 was not processed: any verb may go again');
  assert.ok(!retriable('POST', 503), 'a POST that may have happened is not repeated');
  assert.ok(!retriable('GET', 404) && !retriable('PATCH', 409) && !retriable('PATCH', 422));
  assert.ok(retriableConnection('POST', 'ECONNREFUSED') && retriableConnection('PATCH', 'ECONNREFUSED'), 'a refused connection carried nothing: any verb may go again');
  assert.ok(retriableConnection('PATCH', 'ECONNRESET') && retriableConnection('GET', 'ETIMEDOUT') && retriableConnection('DELETE', 'EPIPE'));
  assert.ok(!retriableConnection('POST', 'ECONNRESET') && !retriableConnection('POST', 'ETIMEDOUT'), 'a POST cut after it was sent is not repeated');
  assert.ok(!retriableConnection('GET', 'DEPTH_ZERO_SELF_SIGNED_CERT') && !retriableConnection('GET', undefined), 'a certificate error is not transient');
  assert.equal(backoffMs(DEFAULT_RETRY, 1, '2'), 2000, 'Retry-After wins');
  assert.equal(backoffMs(DEFAULT_RETRY, 1, '3600'), DEFAULT_RETRY.maxRetryAfterMs, 'but is capped');
  for (let attempt = 1; attempt <= 8; attempt++) {
    const cap = Math.min(DEFAULT_RETRY.baseMs * 2 ** (attempt - 1), DEFAULT_RETRY.maxMs);
    const lo = backoffMs(DEFAULT_RETRY, attempt, undefined, () => 0);
    const hi = backoffMs(DEFAULT_RETRY, attempt, undefined, () => 1);
    assert.ok(lo === Math.round(cap / 2) && hi === cap, `attempt ${attempt}: jitter between half and the full backoff`);
  }
});

test('gdeploy apply rides out 503s, 500s and a 429 with Retry-After', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  try {
    sb.hooks.faults.failNext({ verb: 'PATCH', path: /\/configmaps\//, status: 503, count: 2 });
    sb.hooks.faults.failNext({ verb: 'GET', path: /\/configmaps/, status: 500, count: 1 });
    sb.hooks.faults.failNext({ verb: 'PATCH', path: /\/deployments\//, status: 429, count: 1, retryAfterSeconds: 1 });
    const r = await runCli(['apply', '-f', 'examples/hello-world-flask/', '--no-wait', '--kubeconfig', sb.kubeconfigPath, '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/hello-world-flask created/);
    assert.match(r.stderr, / 503: retrying in \S+ \(attempt 2, up to \S+ more\)/);
    assert.match(r.stderr, / 429: retrying/);
    assert.ok(sb.store.get(sb.store.resourceFor('apps', 'Deployment')!, 'default', 'hello-world-flask'), 'the Deployment is in the cluster');
  } finally {
    await sb.stop();
  }
});

test('when retries run out the error names the object; a POST is not repeated', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const kube = await connect({ kubeconfig: sb.kubeconfigPath, retryTimeoutMs: 1_000 });
  try {
    sb.hooks.faults.failNext({ verb: 'GET', path: /\/configmaps\/stuck/, status: 503, count: 50 });
    await assert.rejects(kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'stuck' }), (err: Error & { subject?: string }) => {
      assert.match(err.message, /gave up after \d+ attempts in \S+: --retry-timeout is 1s/);
      assert.equal(err.subject, 'ConfigMap/default/stuck');
      return true;
    });
    sb.hooks.faults.failNext({ verb: 'POST', path: /\/configmaps/, status: 503, count: 1 });
    const cm = configMap('once');
    await assert.rejects(kube.create(cm), /unable to handle the request/);
    await kube.create(cm); // the next one goes through: nothing was created twice or retried behind our back
  } finally {
    kube.close();
    await sb.stop();
  }
});

test('an apply whose retries run out fails naming the step and the object', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  try {
    // Planning (a dry-run apply) goes through; the apply itself keeps meeting 503s.
    sb.server.use((req, res, url) => {
      if (req.method !== 'PATCH' || !url.pathname.endsWith('/deployments/hello-world-flask') || url.searchParams.has('dryRun')) return false;
      const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' };
      res.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
      return true;
    });
    const r = await runCli(['apply', '-f', 'examples/hello-world-flask/', '--no-wait', '--kubeconfig', sb.kubeconfigPath, '--retry-timeout', '1s']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Deployment\/default\/hello-world-flask apply failed: the server is currently unable to handle the request \(gave up after \d+ attempts in \S+: --retry-timeout is 1s\)/);
    assert.match(r.stdout, /^deployment\.apps\/hello-world-flask failed: /m);
    assert.match(r.stdout, /^incomplete: \d+ of \d+ objects are as the manifests say; 1 failed and 0 were skipped/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  } finally {
    await sb.stop();
  }
});

test('a connection refused is retried for every verb, a POST included: nothing was sent', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const kube: Kube = await connect({ kubeconfig: sb.kubeconfigPath, log: (line) => log.push(line) });
  try {
    await kube.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'warm-up' }); // discovery done: the next request is the POST itself
    kube.close(); // no kept-alive connection: the next request must open one
    await sb.down();
    const back = sleep(300).then(() => sb.up());
    const created = await kube.create(configMap('after-refusal'));
    await back;
    assert.ok(log.some((l) => /^POST \S+\/configmaps\S* ECONNREFUSED: retrying in \S+ \(attempt 2, /.test(l)), log.join('\n'));
    const live = sb.store.list(sb.store.resourceFor('', 'ConfigMap')!, 'default').items.filter((o) => o.metadata.name === 'after-refusal');
    assert.deepEqual(live.map((o) => o.metadata.uid), [created.metadata.uid], 'created once');
  } finally {
    kube.close();
    await sb.stop();
  }
});

test('a connection reset is retried for an idempotent verb and never for a POST', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const kube = await connect({ kubeconfig: sb.kubeconfigPath });
  const seen: string[] = [];
  let cut = new Set<string>();
  sb.server.use((req, _res, url) => {
    const key = `${req.method} ${url.pathname}`;
    if (!url.pathname.includes('/configmaps')) return false;
    seen.push(key);
    if (!cut.has(req.method ?? '')) return false;
    cut.delete(req.method ?? '');
    req.socket.destroy(); // the request arrived; its answer never leaves
    return true;
  });
  try {
    cut = new Set(['PATCH']);
    const applied = await kube.apply(configMap('reset-patch'), { fieldManager: 'test' });
    assert.equal(applied.metadata.name, 'reset-patch');
    assert.equal(seen.filter((s) => s.startsWith('PATCH')).length, 2, 'the server-side apply was sent again after the reset');

    cut = new Set(['POST']);
    await assert.rejects(kube.create(configMap('reset-post')), (err: Error & { subject?: string }) => {
      assert.match(err.message, /lost the connection to the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: ECONNRESET: socket hang up \(not retried: the server may have acted on it\)/);
      assert.equal(err.subject, 'ConfigMap/default/reset-post');
      return true;
    });
    assert.equal(seen.filter((s) => s.startsWith('POST')).length, 1, 'the POST was sent once');
  } finally {
    kube.close();
    await sb.stop();
  }
});

test('a server that goes silent (a timeout) is given up on and asked again', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const http = transport(sb, log, { idleTimeoutMs: 200 });
  try {
    sb.hooks.faults.delay({ verb: 'GET', path: '/namespaces/default', ms: 1_500, count: 1 });
    const ns = await http.json<KubeObject>({ method: 'GET', path: '/api/v1/namespaces/default' });
    assert.equal(ns.metadata.name, 'default');
    assert.ok(log.some((l) => /^GET \S+ ETIMEDOUT: retrying in \S+ \(attempt 2, /.test(l)), log.join('\n'));
  } finally {
    http.close();
    await sb.stop();
  }
});

test('the retry budget is spent once per outage, not once per object', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const http = transport(sb, log);
  const get = (name: string) => http.json<KubeObject>({ method: 'GET', path: `/api/v1/namespaces/${name}`, subject: `Namespace/${name}` });
  try {
    await sb.down();
    await assert.rejects(get('default'), /cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED \S+ \(gave up after \d+ attempts in \S+: --retry-timeout is 300ms\)/);
    await assert.rejects(get('kube-system'), /\(not retried: earlier requests already spent their retries on this server\)/);
    await sb.up();
    assert.equal((await get('default')).metadata.name, 'default', 'an answer ends the outage');
    await sb.down();
    await assert.rejects(get('default'), /gave up after \d+ attempts/, 'the next outage gets a full budget again');
  } finally {
    http.close();
    await sb.stop();
  }
});

test('while the server is down, one request checks whether it is back; the others wait for it and go as soon as it answers', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const http = transport(sb, log, { retry: { budgetMs: 10_000, baseMs: 20, maxMs: 100, maxRetryAfterMs: 1_000 } });
  const get = (n: number) => http.json<KubeObject>({ method: 'GET', path: '/api/v1/namespaces/default', query: { n }, subject: 'Namespace/default' });
  try {
    await sb.down();
    const back = sleep(500).then(() => sb.up());
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i)));
    await back;
    assert.ok(answers.every((ns) => ns.metadata.name === 'default'), 'every request was answered once the server was back');
    const retried = new Set(log.filter((l) => /: retrying in /.test(l)).map((l) => l.split(' ')[1]));
    assert.equal(retried.size, 1, `only one request was sent again while the server was down:\n${log.join('\n')}`);
    assert.equal(log.filter((l) => l.includes('waiting while another request checks whether the server is back')).length, 9, log.join('\n'));
  } finally {
    http.close();
    await sb.stop();
  }
});

test('a server gone silent is not waited on by every request: one checks whether it is back, and once the budget is spent the others fail at once', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const http = transport(sb, log, { idleTimeoutMs: 150 });
  let seen = 0;
  // Silent: requests are taken and never answered (a server hung behind a load balancer).
  sb.server.use((req) => {
    if (req.url?.startsWith('/api/v1/namespaces/')) {
      seen++;
      return new Promise<boolean>(() => {});
    }
    return false;
  });
  const get = (name: string) => http.json<KubeObject>({ method: 'GET', path: `/api/v1/namespaces/${name}`, subject: `Namespace/${name}` });
  try {
    await assert.rejects(get('default'), /gave up after \d+ attempts/);
    const spent = seen;
    assert.ok(spent >= 2, `the first request was retried within the budget (${spent} attempts)`);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => get(`ns-${i}`)));
    assert.ok(results.every((r) => r.status === 'rejected'));
    const messages = results.map((r) => String((r as PromiseRejectedResult).reason.message));
    assert.equal(seen, spent + 1, 'only one of the ten was sent');
    assert.equal(messages.filter((m) => m.includes('not tried: earlier requests found the server unreachable')).length, 9, messages.join('\n'));
  } finally {
    http.close();
    await sb.stop();
  }
});

test('a watch left unanswered is given up on within the budget, like any GET, and does not keep other requests from the server', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const log: string[] = [];
  const http = transport(sb, log, { idleTimeoutMs: 150 });
  // Watches are taken and never answered; everything else is.
  sb.server.use((req) => (req.url?.includes('watch=') ? new Promise<boolean>(() => {}) : false));
  try {
    const watch = http.stream({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', query: { watch: 1 } }, () => {});
    await assert.rejects(watch, /no answer for 150ms \(gave up after \d+ attempts in \S+: --retry-timeout is 300ms\)/);
    assert.ok(log.some((l) => /\?watch=1 ETIMEDOUT: retrying in /.test(l)), log.join('\n'));
    const ns = await http.json<KubeObject>({ method: 'GET', path: '/api/v1/namespaces/default' });
    assert.equal(ns.metadata.name, 'default', 'the next request went out and was answered');
  } finally {
    http.close();
    await sb.stop();
  }
});

test('a certificate the kubeconfig does not trust is refused at once, not retried', async (t) => {
  const c = await cluster(t, { sandbox: { tls: true, workloads: false } });
  const server = c.kube.server;
  if (!server.startsWith('https://')) return c.skip(t, 'the cluster is not served over HTTPS');
  const log: string[] = [];
  // No CA of the cluster's: only the system's trusted roots, which did not sign a cluster's own CA.
  const http = transport({ url: server }, log);
  try {
    await assert.rejects(http.json({ method: 'GET', path: '/version' }), (err: Error) => {
      assert.match(err.message, new RegExp(`cannot reach the Kubernetes API server at ${server.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*certificate`, 'i'));
      assert.doesNotMatch(err.message, /attempts/);
      return true;
    });
    assert.ok(!log.some((l) => l.includes('retrying')), log.join('\n'));
  } finally {
    http.close();
  }
});

test('a write that went through but whose answer was lost: the retry says so instead of blaming someone else', { skip: sandboxOnly('fault hooks') }, async () => {
  const sb = await startSandbox({ workloads: false });
  const kube = await connect({ kubeconfig: sb.kubeconfigPath });
  let swallow = '';
  sb.server.use((req, res) => {
    if (req.method !== swallow) return false;
    swallow = '';
    // Let the server carry the write out, then drop the connection instead of answering.
    res.end = (() => {
      req.socket.destroy();
      return res;
    }) as typeof res.end;
    return false;
  });
  try {
    const cm = await kube.create(configMap('lost-answer'));
    swallow = 'PUT';
    await assert.rejects(kube.update({ ...cm, data: { k: 'v2' } }), (err: Error & { reason?: string }) => {
      assert.equal(err.reason, 'Conflict', 'the retry carried a resourceVersion the first attempt had already moved on');
      assert.match(err.message, /\(an attempt may have reached the server before its connection broke\)$/);
      return true;
    });
    const live = await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'lost-answer' });
    assert.deepEqual(live.data, { k: 'v2' }, 'the first attempt did go through');

    swallow = 'PATCH';
    const applied = await kube.apply(configMap('lost-answer'), { fieldManager: 'test', force: true });
    assert.equal(swallow, '', 'the answer to the first attempt was lost');
    assert.deepEqual(applied.data, { k: 'v' }, 'a server-side apply sent again just applies again');
  } finally {
    kube.close();
    await sb.stop();
  }
});
