import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { generateTlsMaterial, generateToken, issueClientCertificate, type ClientCertificate } from '../../src/sandbox/tls.js';
import { Authenticator, authorize, checkBearer } from '../../src/sandbox/auth.js';
import { unauthorized } from '../../src/sandbox/errors.js';
import { kubeconfigYaml } from '../../src/sandbox/kubeconfig.js';

const material = generateTlsMaterial();
const token = generateToken();
const authority = new Authenticator(token);
const devToken = generateToken();
authority.addToken(devToken, { user: 'dev', namespace: 'team-a' });
authority.bindUser('jane', 'team-a');

// A tiny API front door: authenticate, then authorize a list of deployments in ?ns=.
const server = https.createServer(
  { cert: material.certPem, key: material.keyPem, ca: material.caPem, requestCert: true, rejectUnauthorized: false },
  (req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const grant = authority.authenticate(req);
    if (!grant) return send(401, unauthorized().status);
    const ns = new URL(req.url ?? '/', 'https://x').searchParams.get('ns') ?? 'default';
    const denied = authorize(grant, { verb: 'list', group: 'apps', resource: 'deployments', namespace: ns });
    if (denied) return send(403, denied.status);
    send(200, { kind: 'DeploymentList', ok: checkBearer(req, token), user: grant.user, groups: grant.groups ?? [] });
  },
);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
after(() => server.close());

function request(opts: { ca?: string; token?: string; host?: string; path?: string; client?: ClientCertificate }): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: opts.host,
        port,
        path: opts.path ?? '/apis/apps/v1/deployments',
        ca: opts.ca,
        ...(opts.client ? { cert: opts.client.certPem, key: opts.client.keyPem } : {}),
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
  const cluster = authorize({ user: 'dev', namespace: 'team-a' }, { verb: 'get', group: '', resource: 'namespaces', name: 'prod' });
  assert.equal(cluster?.message, 'namespaces "prod" is forbidden: User "dev" cannot get resource "namespaces" in API group "" at the cluster scope');
  assert.equal(authorize({ user: 'kubernetes-admin' }, { verb: 'delete', group: '', resource: 'nodes', name: 'n1' }), undefined);
});

test('a client certificate signed by the CA identifies its CN as the user and its O fields as groups', async () => {
  const client = issueClientCertificate(material, { user: 'ops', groups: ['kubeadm:cluster-admins', 'oncall'] });
  const r = await request({ ca: material.caPem, client, path: '/?ns=prod' });
  assert.equal(r.status, 200);
  assert.equal(r.body.user, 'ops');
  assert.deepEqual(r.body.groups, ['kubeadm:cluster-admins', 'oncall']);
  assert.equal(r.body.ok, false, 'no token was needed');
});

test('a certificate user outside the admin groups may act only where a binding lets it', async () => {
  const jane = issueClientCertificate(material, { user: 'jane', groups: ['dev'] });
  assert.equal((await request({ ca: material.caPem, client: jane, path: '/?ns=team-a' })).status, 200);
  const elsewhere = await request({ ca: material.caPem, client: jane, path: '/?ns=prod' });
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.body.message, 'deployments.apps is forbidden: User "jane" cannot list resource "deployments" in API group "apps" in the namespace "prod"');
  const unbound = issueClientCertificate(material, { user: 'mallory' });
  assert.equal((await request({ ca: material.caPem, client: unbound, path: '/?ns=team-a' })).status, 403);
});

test('a client certificate from another CA identifies nobody: 401, or whoever the token names', async () => {
  const foreign = issueClientCertificate(generateTlsMaterial(), { user: 'ops', groups: ['system:masters'] });
  const r = await request({ ca: material.caPem, client: foreign });
  assert.equal(r.status, 401);
  assert.equal(r.body.reason, 'Unauthorized');
  const withToken = await request({ ca: material.caPem, client: foreign, token: devToken, path: '/?ns=team-a' });
  assert.equal(withToken.status, 200);
  assert.equal(withToken.body.user, 'dev');
});

test('a client certificate needs the CA key to be issued', () => {
  assert.throws(() => issueClientCertificate({ caPem: material.caPem }, { user: 'x' }), /no CA key/);
});

test('the kubeconfig carries a client certificate and key as client-certificate-data and client-key-data', () => {
  const client = issueClientCertificate(material, { user: 'kubernetes-admin', groups: ['kubeadm:cluster-admins'] });
  const cfg = yaml.load(kubeconfigYaml({ server: `https://127.0.0.1:${port}`, caPem: material.caPem, clientCertificate: client })) as {
    users: { user: Record<string, string> }[];
  };
  const user = cfg.users[0]!.user;
  assert.deepEqual(Object.keys(user).sort(), ['client-certificate-data', 'client-key-data']);
  assert.equal(Buffer.from(user['client-certificate-data']!, 'base64').toString(), client.certPem);
  assert.equal(Buffer.from(user['client-key-data']!, 'base64').toString(), client.keyPem);
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
