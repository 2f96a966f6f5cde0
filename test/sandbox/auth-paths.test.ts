// With a token required, every path answers 401 without it — the service
// proxy, Pod logs and the admin endpoint included, as on a real API server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startSandbox } from '../../src/sandbox/index.js';

function get(url: string, ca: string, token?: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

test('the service proxy, Pod logs and the admin endpoint require the token', async () => {
  const sb = await startSandbox({ tls: true, token: true, readyDelayMs: 0 });
  try {
    const paths: [string, string][] = [
      ['GET', '/api/v1/namespaces/default/services/web/proxy/'],
      ['GET', '/api/v1/namespaces/default/pods/web-1/log'],
      ['POST', '/sandbox/admin/pause'],
      ['GET', '/api/v1/namespaces/default/configmaps'],
    ];
    for (const [method, path] of paths) {
      assert.equal(await get(sb.url + path, sb.caPem!, undefined, method), 401, `${method} ${path} without a token`);
      assert.equal(await get(sb.url + path, sb.caPem!, 'wrong', method), 401, `${method} ${path} with a wrong token`);
      assert.notEqual(await get(sb.url + path, sb.caPem!, sb.token, method), 401, `${method} ${path} with the token`);
    }
  } finally {
    await sb.stop();
  }
});
