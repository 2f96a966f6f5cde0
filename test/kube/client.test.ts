import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/kube/connect.js';
import { KubeError, isConflict, isNotFound } from '../../src/kube/errors.js';
import type { Kube } from '../../src/kube/types.js';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  authorization?: string;
  body: string;
}

/** A fake API server answering discovery for v1 and apps/v1, and whatever `answer` says. */
async function fakeServer(t: { after: (fn: () => Promise<void> | void) => void }, answer: (req: Seen) => [number, unknown]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, contentType: req.headers['content-type'], authorization: req.headers.authorization, body };
      seen.push(s);
      let status = 200;
      let out: unknown;
      if (req.url === '/api/v1') {
        out = { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }, { name: 'namespaces', kind: 'Namespace', namespaced: false }, { name: 'namespaces/status', kind: 'Namespace', namespaced: false }] };
      } else if (req.url === '/apis/apps/v1') {
        out = { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }, { name: 'deployments/scale', kind: 'Scale', namespaced: true }] };
      } else if (req.url === '/apis/example.com/v1') {
        status = 404;
        out = { kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' };
      } else [status, out] = answer(s);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-kube-'));
  const kubeconfig = join(dir, 'config');
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:${port}\n` +
      `contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: me\n    namespace: team\n- name: other\n  context:\n    cluster: fake\n    user: me\n` +
      `users:\n- name: me\n  user:\n    token: s3cr3t-token\n`,
  );
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return { seen, kubeconfig, dir };
}

test('server-side apply: PATCH with the apply content type, field manager, force and dryRun', async (t) => {
  const { seen, kubeconfig } = await fakeServer(t, (req) => [200, JSON.parse(req.body)]);
  const kube = await connect({ kubeconfig });
  t.after(() => kube.close());
  assert.equal(kube.namespace, 'team', "the context's namespace");
  await kube.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, { dryRun: true, force: true });
  const req = seen.at(-1)!;
  assert.equal(req.method, 'PATCH');
  assert.equal(req.url, '/apis/apps/v1/namespaces/team/deployments/web?fieldManager=gdeploy&force=true&dryRun=All');
  assert.equal(req.contentType, 'application/apply-patch+yaml');
  assert.equal(req.authorization, 'Bearer s3cr3t-token');
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }, { fieldManager: 'other' });
  assert.equal(seen.at(-1)!.url, '/api/v1/namespaces/n?fieldManager=other', 'cluster-scoped, no force, no dry run');
});

test('discovery is fetched once per group/version; an unknown kind is named', async (t) => {
  const { seen, kubeconfig } = await fakeServer(t, () => [200, {}]);
  const kube = await connect({ kubeconfig, namespace: 'x' });
  t.after(() => kube.close());
  assert.equal(kube.namespaceExplicit, true);
  const m = await kube.resolve('apps/v1', 'Deployment');
  assert.deepEqual(m, { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['scale'] });
  await kube.resolve('apps/v1', 'Deployment');
  assert.equal(seen.filter((s) => s.url === '/apis/apps/v1').length, 1);
  await assert.rejects(kube.resolve('example.com/v1', 'Widget'), (err: unknown) => {
    assert.ok(isNotFound(err));
    assert.match((err as Error).message, /no matches for kind "Widget" in version "example.com\/v1"/);
    return true;
  });
});

test('errors carry the Status: code, reason, causes and the subject', async (t) => {
  const { kubeconfig } = await fakeServer(t, (req) =>
    req.method === 'GET'
      ? [404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'configmaps "nope" not found' }]
      : [409, { kind: 'Status', code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "other": .data.k', details: { causes: [{ reason: 'FieldManagerConflict', field: '.data.k', message: 'conflict with "other"' }] } }],
  );
  const kube: Kube = await connect({ kubeconfig });
  t.after(() => kube.close());
  assert.equal(await kube.find({ apiVersion: 'v1', kind: 'ConfigMap', name: 'nope' }), undefined);
  await assert.rejects(kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }), (err: unknown) => {
    assert.ok(err instanceof KubeError && isConflict(err));
    assert.equal(err.subject, 'ConfigMap/n/c');
    assert.deepEqual(err.causes.map((c) => c.field), ['.data.k']);
    return true;
  });
});

test('verbose logging names method, URL and status, never the token', async (t) => {
  const { kubeconfig } = await fakeServer(t, () => [200, { items: [], metadata: { resourceVersion: '7' } }]);
  const lines: string[] = [];
  const kube = await connect({ kubeconfig, log: (l) => lines.push(l) });
  t.after(() => kube.close());
  const list = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'team', { labelSelector: 'a=b' });
  assert.equal(list.resourceVersion, '7');
  assert.ok(lines.some((l) => /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team\/configmaps\?labelSelector=a%3Db 200 in \d+ ms$/.test(l)), lines.join('\n'));
  assert.ok(lines.every((l) => !l.includes('s3cr3t')));
});

test('kubeconfig problems name the file or the context', async (t) => {
  const { kubeconfig, dir } = await fakeServer(t, () => [200, {}]);
  await assert.rejects(connect({ kubeconfig: join(dir, 'missing') }), /kubeconfig file ".*missing" not found/);
  await assert.rejects(connect({ kubeconfig, context: 'nope' }), new RegExp(`context "nope" not found in ${kubeconfig}`));
  const other = await connect({ kubeconfig, context: 'other' });
  assert.equal(other.namespace, 'default', 'no namespace in the context: default');
  other.close();
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = [join(dir, 'absent'), kubeconfig].join(':');
  t.after(() => (saved === undefined ? delete process.env.KUBECONFIG : (process.env.KUBECONFIG = saved)));
  const viaEnv = await connect({});
  assert.equal(viaEnv.context, 'fake');
  viaEnv.close();
  process.env.KUBECONFIG = join(dir, 'absent');
  await assert.rejects(connect({}), /none of \$KUBECONFIG/);
});

test('credentials: token files and exec plugins', async (t) => {
  const { seen, kubeconfig, dir } = await fakeServer(t, () => [200, { major: '1', minor: '32', gitVersion: 'v1.32.0' }]);
  const { readFileSync } = await import('node:fs');
  const base = readFileSync(kubeconfig, 'utf8');
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const withFile = join(dir, 'with-file');
  writeFileSync(withFile, base.replace('token: s3cr3t-token', 'tokenFile: token'));
  const k1 = await connect({ kubeconfig: withFile });
  await k1.serverVersion();
  k1.close();
  assert.equal(seen.at(-1)!.authorization, 'Bearer from-file', 'tokenFile is relative to the kubeconfig');

  const plugin = join(dir, 'plugin.mjs');
  writeFileSync(plugin, `console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } }));\n`);
  const withExec = join(dir, 'with-exec');
  writeFileSync(
    withExec,
    base.replace('    token: s3cr3t-token\n', `    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${process.execPath}\n      args: ["${plugin}"]\n      interactiveMode: Never\n`),
  );
  const k2 = await connect({ kubeconfig: withExec });
  const v = await k2.serverVersion();
  k2.close();
  assert.equal(v.gitVersion, 'v1.32.0');
  assert.equal(seen.at(-1)!.authorization, 'Bearer from-exec');
});
