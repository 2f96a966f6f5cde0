// 403 Forbidden on some objects: with a token that may act only in namespace
// team-a (a RoleBinding to admin there), gdeploy names each refused object
// with the verb, the resource and the namespace, stops before its first
// write, and never prunes on a picture it was not allowed to see whole.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { kubeconfigYaml } from '../../src/sandbox/kubeconfig.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { KubeError, parseDenial, denialMessage } from '../../src/kube/errors.js';
import { makeRepo } from '../helpers/gitrepo.js';
import { runCli, type RunResult } from '../helpers/cli.js';

const TEAM_A_TOKEN = `team-a-${randomBytes(12).toString('hex')}`;

let sb: Sandbox;
let dir: string;
/** Cluster-admin, context namespace team-a. */
let admin: string;
/** May act in team-a only; context namespace team-a. */
let teamA: string;

before(async () => {
  sb = await startSandbox({ tls: true, workloads: false, scopedTokens: { [TEAM_A_TOKEN]: { namespace: 'team-a' } } });
  dir = mkdtempSync(join(tmpdir(), 'gdeploy-forbidden-'));
  admin = kubeconfig('admin', sb.token!);
  teamA = kubeconfig('team-a', TEAM_A_TOKEN);
  const namespaces = sb.store.resourceFor('', 'Namespace')!;
  for (const name of ['team-a', 'team-b']) sb.store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
});

after(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(name: string, token: string): string {
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml({ server: sb.url, caPem: sb.caPem!, token, namespace: 'team-a' }), { mode: 0o600 });
  return path;
}

function gdeploy(kubeconfigPath: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runCli([...args, '--kubeconfig', kubeconfigPath], { env: { KUBECONFIG: '', ...env } });
}

function manifests(name: string, docs: string[]): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, docs.join('---\n'));
  return path;
}

const configMap = (namespace: string, name: string, value = '1'): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  value: "${value}"\n`;
const deployment = (namespace: string, name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers: [{name: ${name}, image: "example/${name}:1"}]
`;
const namespace = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const clusterRole = (name: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;

function live(group: string, kind: string, ns: string | undefined, name: string): KubeObject | undefined {
  return sb.store.get(sb.store.resourceFor(group, kind)!, ns, name);
}

function inventoryOf(app: string): string[] | undefined {
  const cm = live('', 'ConfigMap', 'team-a', `gdeploy.${app}`);
  const objects = (cm?.data as Record<string, string> | undefined)?.objects;
  return objects === undefined ? undefined : (JSON.parse(objects) as { kind: string; namespace?: string; name: string }[]).map((r) => `${r.kind}/${r.namespace}/${r.name}`);
}

/** Every refused object of the mixed manifests gets its own line: verb, resource with its group, where, who. */
function assertRefusals(out: string): void {
  assert.match(out, /^error: Deployment\/team-b\/web: forbidden: cannot patch deployments\.apps "web" in namespace "team-b" \(user "system:serviceaccount:team-a:default"\)$/m, out);
  assert.match(out, /^error: Namespace\/team-c: forbidden: cannot patch namespaces "team-c" at the cluster scope \(user "system:serviceaccount:team-a:default"\)$/m, out);
  assert.match(out, /^error: ClusterRole\/config-reader: forbidden: cannot patch clusterroles\.rbac\.authorization\.k8s\.io "config-reader" at the cluster scope /m, out);
  assert.doesNotMatch(out, /^error: ConfigMap\/team-a\//m, 'the object the token may change is not reported as refused');
  assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
}

const MIXED = [configMap('team-a', 'settings'), deployment('team-b', 'web'), namespace('team-c'), clusterRole('config-reader')];

test('403 Forbidden on some objects: apply and diff name the verb, resource and namespace of each refused object and stop before the first write', async () => {
  const file = manifests('mixed', MIXED);

  const apply = await gdeploy(teamA, ['apply', '-f', file, '--app', 'mixed', '--no-wait']);
  assert.equal(apply.code, 1, 'exit code 1: an error (README, exit codes)');
  assertRefusals(apply.stderr);
  assert.match(apply.stdout, /^configmap\/settings skipped: not applied: planning failed$/m, apply.stdout);
  assert.equal(live('', 'ConfigMap', 'team-a', 'settings'), undefined, 'nothing applied in team-a either');
  assert.equal(live('', 'ConfigMap', 'team-a', 'gdeploy.mixed'), undefined, 'no inventory or history written');
  assert.equal(live('', 'Namespace', undefined, 'team-c'), undefined);

  const diff = await gdeploy(teamA, ['diff', '-f', file, '--app', 'mixed']);
  assert.equal(diff.code, 2, 'diff: any error is exit 2, as kubectl diff');
  assertRefusals(diff.stderr);
});

test('403 Forbidden on some objects: sync stops before the first write, naming each refused object', async () => {
  const repo = await makeRepo({ name: 'mixed-sync' });
  const cache = mkdtempSync(join(tmpdir(), 'gdeploy-forbidden-cache-'));
  try {
    await repo.commit({ 'deploy/settings.yaml': MIXED[0]!, 'deploy/web.yaml': MIXED[1]!, 'deploy/cluster.yaml': `${MIXED[2]}---\n${MIXED[3]}` });
    const sync = await gdeploy(teamA, ['sync', '--repo', repo.remote, '--path', 'deploy', '--app', 'mixed-sync', '--no-wait'], { XDG_CACHE_HOME: cache });
    assert.equal(sync.code, 1, sync.stderr);
    const out = sync.stdout + sync.stderr;
    // One line per object, as kubectl names them; the failure names the first refusal.
    assert.match(sync.stdout, /^deployment\.apps\/web failed: forbidden: cannot patch deployments\.apps "web" in namespace "team-b" \(user "system:serviceaccount:team-a:default"\)$/m, out);
    assert.match(sync.stdout, /^namespace\/team-c failed: forbidden: cannot patch namespaces "team-c" at the cluster scope /m, out);
    assert.match(sync.stdout, /^clusterrole\.rbac\.authorization\.k8s\.io\/config-reader failed: forbidden: cannot patch clusterroles\.rbac\.authorization\.k8s\.io /m, out);
    assert.match(sync.stdout, /^configmap\/settings skipped: not applied: planning failed$/m, out);
    assert.match(sync.stderr, /^error: .*failed: .*forbidden: cannot patch /m, out);
    assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
    assert.equal(live('', 'ConfigMap', 'team-a', 'settings'), undefined, 'nothing applied in team-a either');
    assert.equal(inventoryOf('mixed-sync'), undefined, 'no inventory of objects that were never applied');
  } finally {
    rmSync(cache, { recursive: true, force: true });
    await repo.cleanup();
  }
});

test('prune never deletes on the strength of a list it was not allowed to read fully: an inventory that cannot be read (403, 500) stops the command', async () => {
  const full = manifests('inv-full', [configMap('team-a', 'inv-keep'), configMap('team-a', 'inv-old')]);
  const setup = await gdeploy(admin, ['apply', '-f', full, '--app', 'inv', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = inventoryOf('inv');
  assert.deepEqual(before?.sort(), ['ConfigMap/team-a/inv-keep', 'ConfigMap/team-a/inv-old']);

  // The inventory answers 500 for longer than the retries last: not "no inventory".
  const smaller = manifests('inv-smaller', [configMap('team-a', 'inv-keep', '2')]);
  sb.hooks.faults.failNext({ path: '/namespaces/team-a/configmaps/gdeploy.inv', verb: 'get', status: 500, count: 100 });
  try {
    const broken = await gdeploy(teamA, ['apply', '-f', smaller, '--app', 'inv', '--prune', '--no-wait']);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stderr, /^error: cannot read the inventory of app inv \(ConfigMap\/team-a\/gdeploy\.inv\): .*gave up after \d+ attempts/m, broken.stderr);
    assert.doesNotMatch(broken.stderr, /^\s+at /m);
  } finally {
    sb.hooks.faults.clear();
  }
  assert.ok(live('', 'ConfigMap', 'team-a', 'inv-old'), 'nothing pruned');
  assert.equal((live('', 'ConfigMap', 'team-a', 'inv-keep')?.data as Record<string, string>).value, '1', 'nothing applied');
  assert.deepEqual(inventoryOf('inv')?.sort(), before?.sort(), 'the inventory still knows every object');

  // An inventory in a namespace the token may not read: refused, said so, nothing done.
  const elsewhere = await gdeploy(teamA, ['diff', '-f', manifests('inv-b', [configMap('team-b', 'x')]), '-n', 'team-b', '--app', 'inv', '--prune']);
  assert.equal(elsewhere.code, 2, elsewhere.stderr);
  assert.match(
    elsewhere.stderr,
    /^error: cannot read the inventory of app inv \(ConfigMap\/team-b\/gdeploy\.inv\): forbidden: cannot get configmaps "gdeploy\.inv" in namespace "team-b" \(user "system:serviceaccount:team-a:default"\)$/m,
    elsewhere.stderr,
  );
});

test('prune never deletes on the strength of a list it was not allowed to read fully: an inventory whose object list is unreadable is not taken for an empty one', async () => {
  const full = manifests('garbled-full', [configMap('team-a', 'garbled-keep'), configMap('team-a', 'garbled-old')]);
  const setup = await gdeploy(admin, ['apply', '-f', full, '--app', 'garbled', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const configMaps = sb.store.resourceFor('', 'ConfigMap')!;
  const record = live('', 'ConfigMap', 'team-a', 'gdeploy.garbled')!;
  sb.store.update(configMaps, { ...record, data: { ...(record.data as Record<string, string>), objects: '[{"kind": "ConfigMap", "na' } });

  const smaller = manifests('garbled-smaller', [configMap('team-a', 'garbled-keep', '2')]);
  for (const prune of [['--prune'], []]) {
    const r = await gdeploy(admin, ['apply', '-f', smaller, '--app', 'garbled', '--no-wait', ...prune]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: ConfigMap\/team-a\/gdeploy\.garbled: data\.objects is not a JSON list of /m, r.stderr);
    assert.match(r.stderr, /^hint: repair it with `kubectl edit configmap gdeploy\.garbled -n team-a`/m, r.stderr);
  }
  assert.ok(live('', 'ConfigMap', 'team-a', 'garbled-old'), 'nothing pruned');
  assert.equal((live('', 'ConfigMap', 'team-a', 'garbled-keep')?.data as Record<string, string>).value, '1', 'nothing applied');
  assert.equal((live('', 'ConfigMap', 'team-a', 'gdeploy.garbled')?.data as Record<string, string>).objects, '[{"kind": "ConfigMap", "na', 'the record is left for a person to repair');
});

test('prune never deletes on the strength of a list it was not allowed to read fully: one unreadable prune candidate means no prune at all', async () => {
  // Set up by a cluster admin: app "spread" with objects in team-a and team-b, its inventory in team-a.
  const full = manifests('spread-full', [configMap('team-a', 'spread-keep'), configMap('team-a', 'spread-old'), configMap('team-b', 'spread-far')]);
  const setup = await gdeploy(admin, ['apply', '-f', full, '--app', 'spread', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = inventoryOf('spread');
  assert.equal(before?.length, 3);

  // team-a's token drops both other objects: spread-old it could delete, spread-far it may not even read.
  const smaller = manifests('spread-smaller', [configMap('team-a', 'spread-keep', '2')]);
  for (const command of ['diff', 'apply']) {
    const r = await gdeploy(teamA, [command, '-f', smaller, '--app', 'spread', '--prune', ...(command === 'apply' ? ['--no-wait'] : [])]);
    assert.equal(r.code, command === 'diff' ? 2 : 1, r.stderr);
    assert.match(r.stderr, /^error: ConfigMap\/team-b\/spread-far: cannot tell whether to prune it: forbidden: cannot get configmaps "spread-far" in namespace "team-b" /m, r.stderr);
    assert.match(r.stderr, /^error: not pruning: 1 object of app spread's inventory \(ConfigMap\/team-a\/gdeploy\.spread\) cannot be read, and prune deletes only on a complete picture$/m, r.stderr);
    assert.doesNotMatch(r.stdout, /pruned$/m, r.stdout);
  }
  assert.ok(live('', 'ConfigMap', 'team-a', 'spread-old'), 'the readable candidate is not pruned either');
  assert.ok(live('', 'ConfigMap', 'team-b', 'spread-far'));
  assert.equal((live('', 'ConfigMap', 'team-a', 'spread-keep')?.data as Record<string, string>).value, '1', 'stopped before the first write');
  assert.deepEqual(inventoryOf('spread')?.sort(), before?.sort());

  // With the whole picture (the admin), the same change prunes both.
  const whole = await gdeploy(admin, ['apply', '-f', smaller, '--app', 'spread', '--prune', '--no-wait']);
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(live('', 'ConfigMap', 'team-a', 'spread-old'), undefined);
  assert.equal(live('', 'ConfigMap', 'team-b', 'spread-far'), undefined);
});

test('prune never deletes on the strength of a list it was not allowed to read fully: a delete the cluster would refuse means no prune at all', async () => {
  const full = manifests('guarded-full', [configMap('team-a', 'guarded-keep'), configMap('team-a', 'guarded-old'), configMap('team-a', 'guarded-locked')]);
  const setup = await gdeploy(admin, ['apply', '-f', full, '--app', 'guarded', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = inventoryOf('guarded');

  // Readable, but its delete is refused (as RBAC would with get but not delete).
  sb.hooks.faults.failNext({ path: '/namespaces/team-a/configmaps/guarded-locked', verb: 'delete', status: 403, count: 10 });
  try {
    const smaller = manifests('guarded-smaller', [configMap('team-a', 'guarded-keep', '2')]);
    // A reviewer's diff deletes nothing and needs no delete permission (as kubectl diff needs none): it shows both prunes.
    const diff = await gdeploy(admin, ['diff', '-f', smaller, '--app', 'guarded', '--prune']);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /guarded-locked/);
    const r = await gdeploy(admin, ['apply', '-f', smaller, '--app', 'guarded', '--prune', '--no-wait']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: ConfigMap\/team-a\/guarded-locked: cannot prune it: .*Forbidden/m, r.stderr);
    assert.match(r.stderr, /^error: not pruning: 1 object of app guarded's inventory \(ConfigMap\/team-a\/gdeploy\.guarded\) cannot be deleted/m, r.stderr);
  } finally {
    sb.hooks.faults.clear();
  }
  assert.ok(live('', 'ConfigMap', 'team-a', 'guarded-old'), 'the deletable candidate is not pruned either');
  assert.ok(live('', 'ConfigMap', 'team-a', 'guarded-locked'));
  assert.equal((live('', 'ConfigMap', 'team-a', 'guarded-keep')?.data as Record<string, string>).value, '1', 'stopped before the first write');
  assert.deepEqual(inventoryOf('guarded')?.sort(), before?.sort());
});

test('prune never deletes on the strength of a list it was not allowed to read fully: objects whose list and get are refused are neither deleted nor forgotten', async () => {
  // Four objects of one kind in team-b: gdeploy lists them (refused), then gets them one by one (refused).
  const farNames = ['far-1', 'far-2', 'far-3', 'far-4'];
  const docs = [configMap('team-a', 'near-1'), configMap('team-a', 'near-2'), ...farNames.map((n) => configMap('team-b', n))];
  const setup = await gdeploy(admin, ['apply', '-f', manifests('split-full', docs), '--app', 'split', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = inventoryOf('split');
  assert.equal(before?.length, 6);

  // far-3 and far-4 leave the manifests: prune candidates gdeploy may not read.
  const kept = farNames.slice(0, 2);
  const changed = [configMap('team-a', 'near-1', '2'), configMap('team-a', 'near-2', '2'), ...kept.map((n) => configMap('team-b', n, '2'))];
  const r = await gdeploy(teamA, ['apply', '-f', manifests('split-changed', changed), '--app', 'split', '--prune', '--no-wait']);
  assert.equal(r.code, 1, r.stderr);
  for (const n of kept) {
    assert.match(r.stderr, new RegExp(`^error: ConfigMap/team-b/${n}: forbidden: cannot patch configmaps "${n}" in namespace "team-b" `, 'm'), r.stderr);
  }
  assert.match(r.stderr, /not pruning: 2 objects of app split's inventory/, r.stderr);
  for (const n of farNames) assert.equal((live('', 'ConfigMap', 'team-b', n)?.data as Record<string, string>).value, '1', `${n} untouched`);
  for (const n of ['near-1', 'near-2']) assert.equal((live('', 'ConfigMap', 'team-a', n)?.data as Record<string, string>).value, '1', `${n} not applied`);
  assert.deepEqual(inventoryOf('split')?.sort(), before?.sort(), 'objects that could not be seen stay in the inventory');
});

test('403 Forbidden on history and rollback: a clear message naming the verb, resource and namespace', async () => {
  for (const args of [['history'], ['rollback']]) {
    const r = await gdeploy(teamA, [...args, '--app', 'mixed', '-n', 'team-b']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: .*forbidden: cannot (get|create|list) \S+ .*in namespace "team-b" \(user "system:serviceaccount:team-a:default"\)/m, r.stderr);
    assert.match(r.stderr, /^hint: `kubectl auth can-i --list -n team-b` shows what you may do/m, r.stderr);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});

test('401 Unauthorized (a wrong token): a message about the credentials, and no token printed', async () => {
  const wrongToken = `wrong-${randomBytes(12).toString('hex')}`;
  const wrong = kubeconfig('wrong', wrongToken);
  const one = manifests('one', [configMap('team-a', 'one')]);
  for (const args of [['history', '--app', 'mixed'], ['history', '--app', 'mixed', '-v'], ['apply', '-f', one, '--app', 'one', '--no-wait'], ['diff', '-f', one]]) {
    const r = await gdeploy(wrong, args);
    assert.notEqual(r.code, 0);
    const out = r.stdout + r.stderr;
    assert.match(r.stderr, /^error: .*(refused|unauthorized|Unauthorized).*/m, r.stderr);
    assert.match(r.stderr, /^hint: .*(token|credentials)/m, r.stderr);
    assert.equal(out.match(/^error: /gm)?.length, 1, `one error line, not one per object:\n${out}`);
    assert.ok(!out.includes(wrongToken), 'the token is never printed');
    assert.ok(!out.includes(TEAM_A_TOKEN) && !out.includes(sb.token!));
    if (!args.includes('-v')) assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
  assert.equal(live('', 'ConfigMap', 'team-a', 'one'), undefined);
});

test('the 403 wording of kube-apiserver becomes verb, resource with group, namespace and user; other 403s keep the server words', () => {
  const cases: [string, string][] = [
    [
      'deployments.apps "web" is forbidden: User "jane" cannot patch resource "deployments" in API group "apps" in the namespace "prod"',
      'forbidden: cannot patch deployments.apps "web" in namespace "prod" (user "jane")',
    ],
    [
      'configmaps is forbidden: User "system:serviceaccount:ci:deployer" cannot list resource "configmaps" in API group "" in the namespace "prod"',
      'forbidden: cannot list configmaps in namespace "prod" (user "system:serviceaccount:ci:deployer")',
    ],
    [
      'clusterroles.rbac.authorization.k8s.io "view" is forbidden: User "jane" cannot get resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
      'forbidden: cannot get clusterroles.rbac.authorization.k8s.io "view" at the cluster scope (user "jane")',
    ],
    [
      'deployments.apps "web" is forbidden: User "jane" cannot patch resource "deployments/scale" in API group "apps" in the namespace "prod": RBAC: role.rbac.authorization.k8s.io "deployer" not found',
      'forbidden: cannot patch deployments.apps/scale "web" in namespace "prod" (user "jane"): RBAC: role.rbac.authorization.k8s.io "deployer" not found',
    ],
  ];
  for (const [server, ours] of cases) {
    const d = parseDenial(server);
    assert.ok(d, server);
    assert.equal(denialMessage(d), ours);
  }
  const terminating = 'configmaps "late" is forbidden: unable to create new content in namespace team because it is being terminated';
  const err = KubeError.fromStatus(403, { kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden', message: terminating }, { method: 'POST', url: 'https://k8s.example/api/v1/namespaces/team/configmaps' });
  assert.equal(err.message, terminating);
  assert.equal(err.reason, 'Forbidden');
});
