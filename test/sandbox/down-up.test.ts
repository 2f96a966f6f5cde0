// The sandbox's API server can go away and come back, as kube-apiserver does
// when it restarts: while down, connections are refused and open watches cut;
// once up, it answers on the same URL with every object kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startSandbox } from '../../src/sandbox/index.js';

/** GET `path` on the sandbox: the status code, or the connection error's code. */
function get(url: string, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    // A new connection each time: a kept-alive one would say nothing about the port.
    const req = request(new URL(path, url), { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

test('the API server restarts: down() refuses connections and cuts watches, up() serves again on the same port with every object', async (t) => {
  const sb = await startSandbox({ workloads: false });
  t.after(() => sb.stop());
  const cm = sb.store.resourceFor('', 'ConfigMap')!;
  sb.store.create(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'default' } });

  const watchEnded = new Promise<void>((resolve) => {
    request(new URL('/api/v1/namespaces/default/configmaps?watch=true', sb.url), (res) => {
      res.resume();
      res.on('close', () => resolve());
    }).end();
  });
  assert.equal(await get(sb.url, '/api/v1/namespaces/default/configmaps/kept'), 200);

  await sb.down();
  await watchEnded;
  assert.equal(await get(sb.url, '/api/v1/namespaces/default/configmaps/kept'), 'ECONNREFUSED');
  await sb.down(); // already down: nothing to do

  await sb.up();
  await sb.up(); // already up: nothing to do
  assert.equal(await get(sb.url, '/api/v1/namespaces/default/configmaps/kept'), 200);

  await sb.restart();
  assert.equal(await get(sb.url, '/api/v1/namespaces/default/configmaps/kept'), 200);
});
