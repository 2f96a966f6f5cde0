// The judge of the sandbox's fidelity: the real kubectl 1.32, driven as a user
// drives it against a cluster, must do what it does against a real one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { startSandbox } from '../../src/sandbox/index.js';
import { REPO_ROOT, run, type RunResult } from '../helpers/cli.js';
import { KUBECTL, SKIP_WITHOUT_KUBECTL as skip, cluster, sharedCluster, type Cluster } from '../helpers/cluster.js';

const MANIFEST = join(REPO_ROOT, 'examples/hello-world-flask/deployment.yaml');

// One sandbox without controllers for the file (or the given cluster); each test has a namespace of its own.
const shared = sharedCluster({ sandbox: { workloads: false } });

let dir: string;
let env: NodeJS.ProcessEnv;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-api-'));
  // A private HOME: nothing from the user's kubectl set-up leaks in.
  env = { HOME: dir, KUBECONFIG: '', KUBE_EDITOR: '' };
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** kubectl against the test's cluster, and `ok`: the same, failing the test unless it exits 0. */
function kubectlOf(c: Cluster): { kubectl: (args: string[], extraEnv?: NodeJS.ProcessEnv) => Promise<RunResult>; ok: (args: string[], extraEnv?: NodeJS.ProcessEnv) => Promise<string> } {
  const kubectl = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => run(KUBECTL, [...c.kubectlArgs(), ...args], { env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
  return {
    kubectl,
    async ok(args, extraEnv = {}) {
      const r = await kubectl(args, extraEnv);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
  };
}

/** The tutorial's manifest with its image changed to :v1, in a temp file. */
function changedManifest(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, readFileSync(MANIFEST, 'utf8').replace('hello-world-flask:latest', 'hello-world-flask:v1'));
  return path;
}

test('kubectl apply (client-side) creates, then configures from a changed copy', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  const csa = c.clusterName('Namespace', 'csa');
  await ok(['create', 'namespace', csa]);
  assert.equal((await ok(['-n', csa, 'apply', '-f', MANIFEST])).trim(), 'deployment.apps/hello-world-flask created');
  const created: any = yaml.load(await ok(['-n', csa, 'get', 'deployment/hello-world-flask', '-o', 'yaml']));
  assert.equal(created.spec.replicas, 2);
  assert.equal(created.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:latest');
  assert.ok(created.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  assert.equal((await ok(['-n', csa, 'apply', '-f', MANIFEST])).trim(), 'deployment.apps/hello-world-flask unchanged');
  assert.equal((await ok(['-n', csa, 'apply', '-f', changedManifest('csa.yaml')])).trim(), 'deployment.apps/hello-world-flask configured');
  const changed: any = yaml.load(await ok(['-n', csa, 'get', 'deployment/hello-world-flask', '-o', 'yaml']));
  assert.equal(changed.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:v1');
  assert.equal(changed.metadata.generation, 2);
});

test('kubectl apply --server-side creates, then applies a changed copy', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  const ssa = c.clusterName('Namespace', 'ssa');
  await ok(['create', 'namespace', ssa]);
  assert.equal((await ok(['-n', ssa, 'apply', '--server-side', '-f', MANIFEST])).trim(), 'deployment.apps/hello-world-flask serverside-applied');
  assert.equal((await ok(['-n', ssa, 'apply', '--server-side', '-f', changedManifest('ssa.yaml')])).trim(), 'deployment.apps/hello-world-flask serverside-applied');
  const live: any = yaml.load(await ok(['-n', ssa, 'get', 'deployment/hello-world-flask', '-o', 'yaml', '--show-managed-fields']));
  assert.equal(live.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:v1');
  assert.equal(live.spec.strategy.type, 'RollingUpdate', 'server-side defaults are filled in');
});

test('kubectl get with several kinds, -o wide and -o yaml', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { kubectl, ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  const wide = await ok(['get', 'deploy,rs,pods,ns,cm', '-o', 'wide', '-A']);
  assert.match(wide, /deployment\.apps\/hello-world-flask/);
  assert.match(wide, /namespace\/kube-system/);
  assert.match(wide, /configmap\/kube-root-ca\.crt/);
  const doc: any = yaml.load(await ok(['get', 'ns', c.ns, '-o', 'yaml']));
  assert.equal(doc.kind, 'Namespace');
  assert.equal(doc.status.phase, 'Active');
  assert.deepEqual(doc.spec.finalizers, ['kubernetes']);
  const missing = await kubectl(['get', 'deploy', 'nope']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
});

test('kubectl diff: exit 1 with a diff after a local change, 0 without', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { kubectl, ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  const same = await kubectl(['diff', '-f', MANIFEST]);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stdout, '');
  const changed = await kubectl(['diff', '-f', changedManifest('diff.yaml')]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, /^-\s+- image: lyzhang1999\/hello-world-flask:latest$/m);
  assert.match(changed.stdout, /^\+\s+- image: lyzhang1999\/hello-world-flask:v1$/m);
  const live: any = yaml.load(await ok(['get', 'deploy', 'hello-world-flask', '-o', 'yaml']));
  assert.equal(live.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:latest', 'diff changes nothing');
});

test('kubectl edit with an editor that changes a field', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  const editor = join(dir, 'editor.sh');
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/replicas: 2/replicas: 3/" "$1"\n');
  chmodSync(editor, 0o755);
  assert.equal((await ok(['edit', 'deployment', 'hello-world-flask'], { KUBE_EDITOR: editor })).trim(), 'deployment.apps/hello-world-flask edited');
  assert.equal(await ok(['get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.replicas}']), '3');
});

test('kubectl patch with --type merge, json and strategic', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  await ok(['patch', 'deploy', 'hello-world-flask', '--type', 'merge', '-p', '{"spec":{"replicas":4}}']);
  assert.equal(await ok(['get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.replicas}']), '4');
  await ok(['patch', 'deploy', 'hello-world-flask', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]']);
  assert.equal(await ok(['get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.replicas}']), '5');
  const smp = '{"spec":{"template":{"spec":{"containers":[{"name":"hello-world-flask","image":"lyzhang1999/hello-world-flask:v1"}]}}}}';
  assert.equal((await ok(['patch', 'deploy', 'hello-world-flask', '--type', 'strategic', '-p', smp])).trim(), 'deployment.apps/hello-world-flask patched');
  assert.equal(await ok(['get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'lyzhang1999/hello-world-flask:v1');
  const noop = await ok(['patch', 'deploy', 'hello-world-flask', '--type', 'merge', '-p', '{"spec":{"replicas":5}}']);
  assert.equal(noop.trim(), 'deployment.apps/hello-world-flask patched (no change)');
});

test('kubectl patch failures print what they print against a cluster', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { kubectl, ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  const json = await kubectl(['patch', 'deploy', 'hello-world-flask', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/nope"}]']);
  assert.equal(json.code, 1);
  assert.equal(json.stderr.trim(), 'The request is invalid: the server rejected our request due to an error in our request');
  const noMergeKey = await kubectl(['patch', 'deploy', 'hello-world-flask', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}']);
  assert.equal(noMergeKey.code, 1);
  assert.equal(noMergeKey.stderr.trim(), 'Error from server: map: map[image:x] does not contain declared merge key: name');
});

test('kubectl get pods --watch streams a new Pod', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  const child = spawn(KUBECTL, [...c.kubectlArgs(), 'get', 'pods', '--watch', '-o', 'name'], { env: { ...process.env, ...env } });
  try {
    let out = '';
    const seen = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('pod/watched-pod')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`kubectl exited (${code}) before the Pod showed: ${out}`)));
    });
    // The watch is open once kubectl has listed; a Pod created after that arrives as an event.
    await ok(['run', 'watched-pod', '--image', 'lyzhang1999/hello-world-flask:latest']);
    await seen;
  } finally {
    child.kill();
  }
});

test('kubectl delete -f', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { kubectl, ok } = kubectlOf(c);
  await ok(['apply', '-f', MANIFEST]);
  assert.equal((await ok(['delete', '-f', MANIFEST])).trim(), 'deployment.apps "hello-world-flask" deleted');
  const gone = await kubectl(['get', 'deploy', 'hello-world-flask']);
  assert.equal(gone.code, 1);
});

test('kubectl create -f of a CRD, then of a custom resource, then kubectl get <plural>', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  const group = c.group();
  // A short name of the test's own too: kubectl could take another test's CRD for it.
  const short = `rel${group.split('.')[0]}`;
  const crd = join(dir, `${group}.yaml`);
  writeFileSync(
    crd,
    `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: releases.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    plural: releases
    singular: release
    kind: Release
    shortNames: [${short}]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              revision: {type: string}
`,
  );
  assert.equal((await ok(['create', '-f', crd])).trim(), `customresourcedefinition.apiextensions.k8s.io/releases.${group} created`);
  const cr = join(dir, `${group}-cr.yaml`);
  writeFileSync(cr, `apiVersion: ${group}/v1\nkind: Release\nmetadata:\n  name: first\nspec:\n  revision: abc123\n`);
  // Discovery is cached by kubectl; a new kind is found after the cache is refreshed, as with a cluster.
  assert.equal((await ok(['create', '-f', cr])).trim(), `release.${group}/first created`);
  const names = await ok(['get', `releases.${group}`, '-o', 'name']);
  assert.equal(names.trim(), `release.${group}/first`);
  const revision = await ok(['get', short, 'first', '-o', 'jsonpath={.spec.revision}']);
  assert.equal(revision, 'abc123');
});

test('typed kubectl commands (protobuf bodies): create deployment, configmap, secret, service, token; auth can-i', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { ok } = kubectlOf(c);
  const typed = c.clusterName('Namespace', 'typed');
  await ok(['create', 'namespace', typed]);
  assert.equal((await ok(['-n', typed, 'create', 'deployment', 'zero', '--image=nginx:1.27', '--replicas=0', '--port=80'])).trim(), 'deployment.apps/zero created');
  const d: any = yaml.load(await ok(['-n', typed, 'get', 'deploy', 'zero', '-o', 'yaml']));
  assert.equal(d.spec.replicas, 0, 'an explicit zero survives the protobuf round trip');
  assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  await ok(['-n', typed, 'create', 'configmap', 'settings', '--from-literal=color=blue']);
  assert.equal(await ok(['-n', typed, 'get', 'cm', 'settings', '-o', 'jsonpath={.data.color}']), 'blue');
  await ok(['-n', typed, 'create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
  assert.equal(await ok(['-n', typed, 'get', 'secret', 'creds', '-o', 'jsonpath={.data.password}']), Buffer.from('s3cret').toString('base64'));
  await ok(['-n', typed, 'create', 'service', 'clusterip', 'zero', '--tcp=80:8080']);
  const svc: any = yaml.load(await ok(['-n', typed, 'get', 'svc', 'zero', '-o', 'yaml']));
  assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
  const token = (await ok(['-n', typed, 'create', 'token', 'default'])).trim();
  assert.equal(token.split('.').length, 3);
  assert.equal((await ok(['auth', 'can-i', 'create', 'deployments'])).trim(), 'yes');
});

test('kubectl delete namespace: Terminating, then gone with its contents', { skip }, async (t) => {
  const c = await shared.cluster(t);
  const { kubectl, ok } = kubectlOf(c);
  const doomed = c.clusterName('Namespace', 'doomed');
  await ok(['create', 'namespace', doomed]);
  await ok(['-n', doomed, 'apply', '-f', MANIFEST]);
  assert.equal((await ok(['delete', 'namespace', doomed])).trim(), `namespace "${doomed}" deleted`);
  const gone = await kubectl(['get', 'namespace', doomed]);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr.trim(), `Error from server (NotFound): namespaces "${doomed}" not found`);
});

test('kubectl over TLS with a bearer token, as the kubeconfig says', { skip }, async () => {
  const secure = await startSandbox({ workloads: false, tls: true, token: true, kubeconfigPath: join(dir, 'tls-kubeconfig') });
  try {
    assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await run(KUBECTL, ['--kubeconfig', secure.kubeconfigPath, 'get', 'ns', 'default', '-o', 'name'], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'namespace/default');
    const anonymous = await run(KUBECTL, ['--server', secure.url, '--certificate-authority', writeCa(secure.caPem!), '--token', 'not-the-token', 'get', 'ns'], { env: { ...env, KUBECONFIG: join(dir, 'no-such-kubeconfig') }, timeoutMs: 60_000 });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /Unauthorized/);
  } finally {
    await secure.stop();
  }
});

test('a namespace-scoped token works in its namespace and gets RBAC\'s 403 elsewhere', { skip }, async (t) => {
  const token = `dev-${randomBytes(12).toString('hex')}`;
  // On a sandbox, a token scoped to the test's namespace; on a cluster, a ServiceAccount's token bound to a Role there.
  const c = await cluster(t, { sandbox: (ns) => ({ workloads: false, tls: true, scopedTokens: { [token]: { namespace: ns } } }) });
  if (!c.sandbox && !(await c.enforcesRbac())) return c.skip(t, 'the cluster does not enforce RBAC');
  const elsewhere = await c.namespace('elsewhere');
  const dev = c.sandbox ? { kubeconfig: c.kubeconfigWithToken(token), user: `system:serviceaccount:${c.ns}:default` } : await c.namespaceUser();
  const asDev = (args: string[]) => run(KUBECTL, ['--kubeconfig', dev.kubeconfig, '--cache-dir', join(dir, `${c.ns}-cache`), ...args], { env, timeoutMs: 60_000 });

  const created = await asDev(['-n', c.ns, 'create', 'configmap', 'settings', '--from-literal=color=blue']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'configmap/settings created');
  const listed = await asDev(['-n', c.ns, 'get', 'configmaps', 'settings', '-o', 'jsonpath={.data.color}']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, 'blue');

  const refused = await asDev(['-n', elsewhere, 'get', 'configmaps']);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr.trim(),
    `Error from server (Forbidden): configmaps is forbidden: User "${dev.user}" cannot list resource "configmaps" in API group "" in the namespace "${elsewhere}"`,
  );
  const named = await asDev(['-n', elsewhere, 'get', 'deployment', 'web']);
  assert.equal(
    named.stderr.trim(),
    `Error from server (Forbidden): deployments.apps "web" is forbidden: User "${dev.user}" cannot get resource "deployments" in API group "apps" in the namespace "${elsewhere}"`,
  );
  const clusterWide = await asDev(['get', 'namespaces']);
  assert.equal(
    clusterWide.stderr.trim(),
    `Error from server (Forbidden): namespaces is forbidden: User "${dev.user}" cannot list resource "namespaces" in API group "" at the cluster scope`,
  );
  const canI = await asDev(['auth', 'can-i', 'delete', 'pods', '-n', elsewhere]);
  assert.equal(canI.stdout.trim(), 'no');
  assert.equal((await asDev(['auth', 'can-i', 'delete', 'pods', '-n', c.ns])).stdout.trim(), 'yes');
  assert.equal((await asDev(['version', '-o', 'json'])).code, 0, 'version stays open');
});

function writeCa(pem: string): string {
  const path = join(dir, 'ca.crt');
  writeFileSync(path, pem);
  return path;
}

test('a state file keeps objects across sandboxes', { skip }, async () => {
  const stateFile = join(dir, 'state.json');
  const first = await startSandbox({ workloads: false, stateFile, kubeconfigPath: join(dir, 'state-kubeconfig') });
  await run(KUBECTL, ['--kubeconfig', first.kubeconfigPath, 'apply', '-f', MANIFEST], { env, timeoutMs: 60_000 });
  const rv = first.store.resourceVersion();
  await first.stop();
  const second = await startSandbox({ workloads: false, stateFile, kubeconfigPath: join(dir, 'state-kubeconfig') });
  try {
    const r = await run(KUBECTL, ['--kubeconfig', second.kubeconfigPath, 'get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.replicas}'], { env, timeoutMs: 60_000 });
    assert.equal(r.stdout, '2', r.stderr);
    assert.ok(Number(second.store.resourceVersion()) >= Number(rv));
  } finally {
    await second.stop();
  }
});
