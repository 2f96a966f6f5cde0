// Users keep being served while set-image rolls out: requests through the API
// server's service proxy (by way of `kubectl proxy`) never get a 503, and the
// answers move from the old version to the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { KUBECTL } from '../helpers/cluster.js';
import { LATEST, SKIP, V1, helloWorld, testCluster } from './set-image-harness.js';
import { TUTORIAL_SERVICE } from '../helpers/examples.js';

// Ready once it answers: no request is sent to a Pod whose server is still starting.
const READINESS = '        readinessProbe:\n          httpGet: {path: /, port: 5000}\n          periodSeconds: 1\n';

test('no 503 through the service proxy while set-image rolls out', { skip: SKIP }, async (t) => {
  // Slow readiness on a sandbox, so that the rollout takes a while and traffic runs through all of it.
  const c = await testCluster(t, { readyDelayMs: 400 });
  await c.create(helloWorld(LATEST).replace('        ports:\n', `${READINESS}        ports:\n`));
  await c.create(TUTORIAL_SERVICE);
  await c.rolledOut('deployment/hello-world-flask');

  const proxy = spawn(KUBECTL, [...c.kubectlArgs(), 'proxy', '--port=0', '--address=127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proxy.on('close', resolve));
  t.after(async () => {
    proxy.kill();
    await exited;
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    proxy.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`kubectl proxy exited: ${out}`)));
  });

  const url = `http://127.0.0.1:${port}/api/v1/namespaces/${c.ns}/services/hello-world-flask/proxy/`;
  const statuses = new Map<number, number>();
  const bodies = new Set<string>();
  let rolling = true;
  const traffic = (async () => {
    while (rolling) {
      const res = await fetch(url);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      bodies.add((await res.text()).replace(/ hello-world-flask-\S+/, ''));
    }
  })();

  const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${V1}`, '--timeout', '2m']);
  rolling = false;
  await traffic;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...statuses.keys()], [200], `answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(statuses.get(200)! > 1);
  assert.ok([...bodies].some((b) => /v1 version/.test(b)), `answers seen: ${[...bodies].join(' | ')}`);
});
