import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { generateTlsMaterial, generateToken } from '../../src/sandbox/tls.js';
import { TokenAuthority, checkBearer } from '../../src/sandbox/auth.js';
import { unauthorized } from '../../src/sandbox/errors.js';
import { kubeconfigYaml } from '../../src/sandbox/kubeconfig.js';

const material = generateTlsMaterial();
const token = generateToken();
const authority = new TokenAuthority(token);
const devToken = generateToken();
authority.addToken(devToken, { user: 'dev', namespace: 'team-a' });

// A tiny API front door: authenticate, then authorize a list of deployments in ?ns=.
const server = https.createServer({ cert: material.certPem, key: material.keyPem }, (req, res) => {
  const send = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!authority.authenticate(req)) return send(401, unauthorized().status);
  const ns = new URL(req.url ?? '/', 'https://x').searchParams.get('ns') ?? 'default';
  const presented = req.headers.authorization!.slice('Bearer '.length);
  const denied = authority.authorize(presented, 'list', 'apps', 'deployments', ns);
  if (denied) return send(403, denied.status);
  send(200, { kind: 'DeploymentList', ok: checkBearer(req, token) });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
after(() => server.close());

function request(opts: { ca?: string; token?: string; host?: string; path?: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: opts.host,
        port,
        path: opts.path ?? '/apis/apps/v1/deployments',
        ca: opts.ca,
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8').on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a client that trusts the generated CA reaches the server over TLS with the token', async () => {
  const r = await request({ ca: material.caPem, token });
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, true);
});

test('the serving certificate is valid for localhost as well as 127.0.0.1', async () => {
  const r = await request({ ca: material.caPem, token, host: 'localhost' });
  assert.equal(r.status, 200);
});

test('a certificate from another CA is refused by a Node https client', async () => {
  const other = generateTlsMaterial();
  await assert.rejects(request({ ca: other.caPem, token }), (err: NodeJS.ErrnoException) => {
    assert.match(String(err.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT/);
    return true;
  });
  // No CA at all: the system roots do not know the sandbox either.
  await assert.rejects(request({ token }));
});

test('a missing or wrong token gets 401 Unauthorized as a metav1.Status', async () => {
  for (const t of [undefined, 'not-the-token', token + 'x']) {
    const r = await request({ ca: material.caPem, ...(t ? { token: t } : {}) });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }
});

test('a namespace-scoped token is forbidden outside its namespace, with RBAC wording', async () => {
  assert.equal((await request({ ca: material.caPem, token: devToken, path: '/?ns=team-a' })).status, 200);
  const r = await request({ ca: material.caPem, token: devToken, path: '/?ns=prod' });
  assert.equal(r.status, 403);
  assert.equal(r.body.reason, 'Forbidden');
  assert.equal(r.body.message, 'deployments.apps is forbidden: User "dev" cannot list resource "deployments" in API group "apps" in the namespace "prod"');
  const cluster = authority.authorize(devToken, 'get', '', 'namespaces', undefined, 'prod');
  assert.equal(cluster?.message, 'namespaces "prod" is forbidden: User "dev" cannot get resource "namespaces" in API group "" at the cluster scope');
  assert.equal(authority.authorize(token, 'delete', '', 'nodes', undefined, 'n1'), undefined);
});

test('the kubeconfig names cluster, user and context gdeploy-sandbox and carries CA and token', () => {
  const cfg = yaml.load(kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caPem: material.caPem, token })) as {
    'current-context': string;
    clusters: { name: string; cluster: Record<string, string> }[];
    users: { name: string; user: Record<string, string> }[];
    contexts: { name: string; context: Record<string, string> }[];
  };
  assert.equal(cfg['current-context'], 'gdeploy-sandbox');
  assert.equal(cfg.clusters[0]!.name, 'gdeploy-sandbox');
  assert.equal(cfg.clusters[0]!.cluster.server, `https://127.0.0.1:${port}`);
  assert.equal(Buffer.from(cfg.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString(), material.caPem);
  assert.deepEqual(cfg.users[0], { name: 'gdeploy-sandbox', user: { token } });
  assert.deepEqual(cfg.contexts[0], { name: 'gdeploy-sandbox', context: { cluster: 'gdeploy-sandbox', user: 'gdeploy-sandbox', namespace: 'default' } });
  const plain = yaml.load(kubeconfigYaml({ server: 'http://127.0.0.1:1' })) as { users: { user: object }[]; clusters: { cluster: object }[] };
  assert.deepEqual(plain.users[0]!.user, {});
  assert.deepEqual(plain.clusters[0]!.cluster, { server: 'http://127.0.0.1:1' });
});
