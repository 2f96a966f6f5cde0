// Transient API server failures: bounded, jittered retries that honour
// Retry-After for what is safe to repeat, and a clear error naming the object
// once they run out. A POST is never blindly repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import { backoffMs, DEFAULT_RETRY, retriable } from '../../src/kube/retry.js';
import { runCli } from '../helpers/cli.js';

test('which failures are retried, and how long the waits are', () => {
  assert.ok(retriable('GET', 503) && retriable('PATCH', 500) && retriable('PUT', 0) && retriable('DELETE', 504));
  assert.ok(retriable('POST', 429), 'a 429 was not processed: any verb may go again');
  assert.ok(!retriable('POST', 503) && !retriable('POST', 0), 'a POST that may have happened is not repeated');
  assert.ok(!retriable('GET', 404) && !retriable('PATCH', 409) && !retriable('PATCH', 422));
  assert.equal(backoffMs(DEFAULT_RETRY, 1, '2'), 2000, 'Retry-After wins');
  assert.equal(backoffMs(DEFAULT_RETRY, 1, '3600'), DEFAULT_RETRY.maxRetryAfterMs, 'but is capped');
  for (let attempt = 1; attempt <= 8; attempt++) {
    const cap = Math.min(DEFAULT_RETRY.baseMs * 2 ** (attempt - 1), DEFAULT_RETRY.maxMs);
    const lo = backoffMs(DEFAULT_RETRY, attempt, undefined, () => 0);
    const hi = backoffMs(DEFAULT_RETRY, attempt, undefined, () => 1);
    assert.ok(lo === Math.round(cap / 2) && hi === cap, `attempt ${attempt}: jitter between half and the full backoff`);
  }
});

test('gdeploy apply rides out 503s, 500s and a 429 with Retry-After', async () => {
  const sb = await startSandbox({ workloads: false });
  try {
    sb.hooks.faults.failNext({ verb: 'PATCH', path: /\/configmaps\//, status: 503, count: 2 });
    sb.hooks.faults.failNext({ verb: 'GET', path: /\/configmaps/, status: 500, count: 1 });
    sb.hooks.faults.failNext({ verb: 'PATCH', path: /\/deployments\//, status: 429, count: 1, retryAfterSeconds: 1 });
    const r = await runCli(['apply', '-f', 'examples/hello-world-flask/', '--no-wait', '--kubeconfig', sb.kubeconfigPath, '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/hello-world-flask created/);
    assert.match(r.stderr, / 503: retrying \(attempt 2 of 5\)/);
    assert.match(r.stderr, / 429: retrying/);
    assert.ok(sb.store.get(sb.store.resourceFor('apps', 'Deployment')!, 'default', 'hello-world-flask'), 'the Deployment is in the cluster');
  } finally {
    await sb.stop();
  }
});

test('when retries run out the error names the object; a POST is not repeated', async () => {
  const sb = await startSandbox({ workloads: false });
  const kube = await connect({ kubeconfig: sb.kubeconfigPath });
  try {
    sb.hooks.faults.failNext({ verb: 'GET', path: /\/configmaps\/stuck/, status: 503, count: 50 });
    await assert.rejects(kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'stuck' }), (err: Error & { subject?: string }) => {
      assert.match(err.message, /gave up after 5 attempts/);
      assert.equal(err.subject, 'ConfigMap/default/stuck');
      return true;
    });
    sb.hooks.faults.failNext({ verb: 'POST', path: /\/configmaps/, status: 503, count: 1 });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'once', namespace: 'default' }, data: {} };
    await assert.rejects(kube.create(cm), /unable to handle the request/);
    await kube.create(cm); // the next one goes through: nothing was created twice or retried behind our back
  } finally {
    kube.close();
    await sb.stop();
  }
});
