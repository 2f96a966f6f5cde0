// Client certificates from the kubeconfig work, embedded or as files next to
// it, against a sandbox that authenticates them as kube-apiserver does with
// --client-ca-file; one the cluster's CA did not sign is refused with a clear
// message that quotes no key material. kubectl reads the same kubeconfigs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { kubeconfigYaml } from '../../src/sandbox/kubeconfig.js';
import { generateTlsMaterial, issueClientCertificate, type ClientCertificate } from '../../src/sandbox/tls.js';
import { spawn } from 'node:child_process';
import { GDEPLOY_BIN, run, runCli, type RunResult } from '../helpers/cli.js';
import { TUTORIAL_DEPLOYMENT, TUTORIAL_SERVICE } from '../helpers/examples.js';
import { KUBECTL, SKIP_WITHOUT_KUBECTL } from '../helpers/sandbox-kubectl.js';
import { sandboxOnly } from '../helpers/cluster.js';

let sb: Sandbox;
let dir: string;
let manifests: string;

before(async () => {
  sb = await startSandbox({ clientCertificates: true });
  dir = mkdtempSync(join(tmpdir(), 'gdeploy-client-cert-'));
  manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  writeFileSync(join(manifests, 'deployment.yaml'), TUTORIAL_DEPLOYMENT);
  writeFileSync(join(manifests, 'service.yaml'), TUTORIAL_SERVICE);
});
after(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig for `cert`, written in its own directory; `asFiles` puts certificate and key in files beside it, named relatively. */
function writeKubeconfig(name: string, cert: ClientCertificate, asFiles = false): string {
  const home = join(dir, name);
  mkdirSync(join(home, 'pki'), { recursive: true });
  const config = yaml.load(kubeconfigYaml({ server: sb.url, caPem: sb.caPem!, clientCertificate: cert })) as {
    users: { user: Record<string, string> }[];
  };
  if (asFiles) {
    writeFileSync(join(home, 'pki', 'client.crt'), cert.certPem);
    writeFileSync(join(home, 'pki', 'client.key'), cert.keyPem, { mode: 0o600 });
    config.users[0]!.user = { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' };
  }
  const path = join(home, 'kubeconfig');
  writeFileSync(path, yaml.dump(config), { mode: 0o600 });
  return path;
}

function kubectl(kubeconfig: string, args: string[]): Promise<RunResult> {
  return run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kubectl-cache'), ...args], { timeoutMs: 60_000 });
}

function assertNoKeyMaterial(output: string, cert: ClientCertificate): void {
  assert.doesNotMatch(output, /PRIVATE KEY|BEGIN CERTIFICATE/, 'no PEM block is printed');
  const keyBody = cert.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const line of keyBody) assert.ok(!output.includes(line), 'no line of the private key is printed');
  assert.ok(!output.includes(Buffer.from(cert.keyPem).toString('base64').slice(0, 40)), 'the base64 of the key is not printed');
}

test('client certificates from kubeconfig work: client-certificate-data and client-key-data let gdeploy apply', { skip: sandboxOnly('certificates its CA signs') }, async () => {
  // The sandbox's own kubeconfig carries kubernetes-admin's certificate, and no token.
  const user = (yaml.load(sb.kubeconfig) as { users: { user: Record<string, string> }[] }).users[0]!.user;
  assert.deepEqual(Object.keys(user).sort(), ['client-certificate-data', 'client-key-data']);
  const r = await runCli(['apply', '-f', manifests, '--app', 'hello', '--kubeconfig', sb.kubeconfigPath]);
  assert.equal(r.code, 0, r.stderr);
  for (const kind of ['Deployment', 'Service']) {
    const group = kind === 'Deployment' ? 'apps' : '';
    assert.ok(sb.store.get(sb.store.resourceFor(group, kind)!, 'default', 'hello-world-flask'), `${kind}/default/hello-world-flask exists`);
  }
});

test('client certificates from kubeconfig work: client-certificate and client-key files relative to the kubeconfig', { skip: sandboxOnly('certificates its CA signs') }, async () => {
  const cert = sb.issueClientCertificate({ user: 'release-bot', groups: ['system:masters'] });
  const kubeconfig = writeKubeconfig('files', cert, true);
  const manifest = join(dir, 'settings.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: files\n');
  // From another working directory: the paths are the kubeconfig's, not the caller's.
  const r = await runCli(['apply', '-f', manifest, '--app', 'settings', '--kubeconfig', kubeconfig], { cwd: tmpdir() });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sb.store.get(sb.store.resourceFor('', 'ConfigMap')!, 'default', 'settings')?.data, { mode: 'files' });
  const history = await runCli(['history', '--app', 'settings', '--kubeconfig', kubeconfig]);
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /^1\s+\S+ \S+\s+succeeded\s+apply/m);
});

test('a client certificate signed by another CA is refused: 401 with a clear message and no key material', { skip: sandboxOnly('certificates its CA signs') }, async () => {
  const foreign = issueClientCertificate(generateTlsMaterial(), { user: 'kubernetes-admin', groups: ['system:masters'] });
  const kubeconfig = writeKubeconfig('foreign', foreign);
  const r = await runCli(['apply', '-f', manifests, '--app', 'intruder', '--kubeconfig', kubeconfig]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused the client certificate of user "gdeploy-sandbox" \(context "gdeploy-sandbox"\): 401 Unauthorized/, r.stderr);
  assert.match(r.stderr, /hint: the certificate is not signed by a CA this cluster trusts for clients/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
  assertNoKeyMaterial(r.stdout + r.stderr, foreign);
  const history = await runCli(['history', '--app', 'intruder', '--kubeconfig', sb.kubeconfigPath, '-o', 'json']);
  assert.equal(history.code, 1, history.stderr);
  assert.match(history.stderr, /app intruder not found in namespace/, 'nothing was recorded for the refused run: the app has no inventory');
});

test('a client key that does not belong to the certificate, or is missing, is named as the kubeconfig user\'s fault', { skip: sandboxOnly('certificates its CA signs') }, async () => {
  const a = sb.issueClientCertificate({ user: 'a', groups: ['system:masters'] });
  const b = sb.issueClientCertificate({ user: 'b', groups: ['system:masters'] });
  const mismatched = writeKubeconfig('mismatched', { certPem: a.certPem, keyPem: b.keyPem });
  const r = await runCli(['history', '--app', 'hello', '--kubeconfig', mismatched]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the client key of user "gdeploy-sandbox" \(context "gdeploy-sandbox"\) does not belong to its client certificate/, r.stderr);
  assertNoKeyMaterial(r.stderr, b);

  const missing = writeKubeconfig('missing-key', a, true);
  rmSync(join(dir, 'missing-key', 'pki', 'client.key'));
  const gone = await runCli(['history', '--app', 'hello', '--kubeconfig', missing]);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /cannot read client-key .*missing-key\/pki\/client\.key of user "gdeploy-sandbox" \(context "gdeploy-sandbox"\): no such file/, gone.stderr);
  assert.doesNotMatch(gone.stderr, /^\s+at /m, 'no stack trace');
});

test('a certificate user outside the admin groups is confined to its namespace: 403 elsewhere', { skip: sandboxOnly('certificates its CA signs') }, async () => {
  const jane = sb.issueClientCertificate({ user: 'jane', groups: ['dev'], namespace: 'default' });
  const kubeconfig = writeKubeconfig('jane', jane);
  const own = await runCli(['status', '--kubeconfig', kubeconfig]);
  assert.equal(own.code, 0, own.stderr);
  const elsewhere = await runCli(['history', '--app', 'hello', '-n', 'kube-system', '--kubeconfig', kubeconfig]);
  assert.notEqual(elsewhere.code, 0);
  assert.match(elsewhere.stderr, /forbidden/i);
  assert.match(elsewhere.stderr, /"jane"/);
  assert.match(elsewhere.stderr, /kube-system/);
});

test('kubectl 1.32 works with the same client-certificate kubeconfigs', { skip: SKIP_WITHOUT_KUBECTL || sandboxOnly('certificates its CA signs') }, async () => {
  const files = writeKubeconfig('kubectl-files', sb.issueClientCertificate({ user: 'ops', groups: ['system:masters'] }), true);
  for (const kubeconfig of [sb.kubeconfigPath, files]) {
    const ns = await kubectl(kubeconfig, ['get', 'ns', '-o', 'name']);
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^namespace\/default$/m);
  }
  const whoami = await kubectl(files, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}']);
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.equal(whoami.stdout, 'ops ["system:masters","system:authenticated"]');
  const foreign = writeKubeconfig('kubectl-foreign', issueClientCertificate(generateTlsMaterial(), { user: 'ops', groups: ['system:masters'] }));
  const refused = await kubectl(foreign, ['get', 'ns']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Unauthorized/);
});

test('gdeploy sandbox --client-cert writes a kubeconfig that authenticates with a client certificate', async (t) => {
  const out = join(dir, 'cli-sandbox', 'kubeconfig');
  mkdirSync(join(dir, 'cli-sandbox'));
  const child = spawn(process.execPath, [GDEPLOY_BIN, 'sandbox', '--client-cert', '--kubeconfig-out', out], {
    env: { ...process.env, NO_COLOR: '1', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('export KUBECONFIG=')) resolve();
    });
    void exited.then((code) => reject(new Error(`gdeploy sandbox exited with ${code} before it was ready`)));
  });
  assert.match(stdout, /listening on https:\/\//);
  const user = (yaml.load(readFileSync(out, 'utf8')) as { users: { user: Record<string, string> }[] }).users[0]!.user;
  assert.deepEqual(Object.keys(user).sort(), ['client-certificate-data', 'client-key-data'], 'a certificate, no token');
  const status = await runCli(['status', '--kubeconfig', out]);
  assert.equal(status.code, 0, status.stderr);
  if (!SKIP_WITHOUT_KUBECTL) {
    const whoami = await kubectl(out, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    assert.equal(whoami.stdout, 'kubernetes-admin', whoami.stderr);
  }
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
