// Users keep being served while set-image rolls out: requests through the API
// server's service proxy never get a 503, and the answers move from the old
// version to the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, helloWorld, testCluster } from './set-image-harness.js';
import { TUTORIAL_SERVICE } from '../helpers/examples.js';

const SERVICE = TUTORIAL_SERVICE;

test('no 503 through the service proxy while set-image rolls out', { skip: SKIP }, async (t) => {
  // Slow readiness, so that the rollout takes a while and traffic runs through all of it.
  process.env.READY_MS = '400';
  const c = await testCluster(t);
  delete process.env.READY_MS;
  await c.create(helloWorld('lyzhang1999/hello-world-flask:latest'));
  await c.create(SERVICE);
  await c.rolledOut('deployment/hello-world-flask');

  const url = `${c.sandbox.url}/api/v1/namespaces/default/services/hello-world-flask/proxy/`;
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

  const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', 'hello-world-flask=lyzhang1999/hello-world-flask:v1', '--timeout', '2m']);
  rolling = false;
  await traffic;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...statuses.keys()], [200], `answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok(statuses.get(200)! > 1);
  assert.ok([...bodies].some((b) => /v1 version/.test(b)), `answers seen: ${[...bodies].join(' | ')}`);
});
