// 403 Forbidden on some objects: with credentials that may act only in the
// test's namespace (team A: on a cluster, a ServiceAccount bound there to a
// Role of every verb; on a sandbox, a certificate confined the same way),
// gdeploy names each refused object with the verb, the resource and the
// namespace, stops before its first write, and never prunes on a picture it
// was not allowed to see whole.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeError, parseDenial, denialMessage } from '../../src/kube/errors.js';
import { makeRepo } from '../helpers/gitrepo.js';
import { run, runCli, type RunResult } from '../helpers/cli.js';
import { KUBECTL, sandboxOnly, sharedCluster, type Cluster } from '../helpers/cluster.js';

const shared = sharedCluster({ sandbox: { workloads: false, clientCertificates: true } });

interface Teams {
  c: Cluster;
  /** The test's namespace: team A's. */
  teamA: string;
  /** Another namespace of the test's, team A may not touch. */
  teamB: string;
  /** May act in team A's namespace only; its context namespace is that. */
  dev: { kubeconfig: string; user: string };
  /** Writes these manifests to a file of the test's. */
  manifests(name: string, docs: string[]): string;
}

/** The test's cluster with team A's user, or undefined when the cluster cannot confine one (the test is skipped). */
async function teams(t: TestContext): Promise<Teams | undefined> {
  const c = await shared.cluster(t);
  if (!(await c.enforcesRbac())) {
    c.skip(t, 'the cluster does not enforce RBAC');
    return undefined;
  }
  return { c, teamA: c.ns, teamB: await c.namespace('team-b'), dev: await c.namespaceUser(), manifests: manifestFiles(t) };
}

/** Writes a file of manifests `name`.yaml in a directory of the test's own. */
function manifestFiles(t: TestContext): (name: string, docs: string[]) => string {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-forbidden-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return (name, docs) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, docs.join('---\n'));
    return path;
  };
}

function gdeploy(kubeconfigPath: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return runCli([...args, '--kubeconfig', kubeconfigPath], { env: { KUBECONFIG: '', ...env } });
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
      containers: [{name: ${name}, image: "registry.invalid/${name}:1"}]
`;
const namespace = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const clusterRole = (name: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get]\n`;

/** The value of ConfigMap `name` in `ns`, as the cluster has it (undefined: not there). */
async function valueOf(c: Cluster, ns: string, name: string): Promise<string | undefined> {
  return (await c.get(`configmap/${name}`, ns))?.data?.value;
}

async function inventoryOf(c: Cluster, app: string): Promise<string[] | undefined> {
  const objects = (await c.get(`configmap/gdeploy.${app}`))?.data?.objects;
  return objects === undefined ? undefined : (JSON.parse(objects) as { kind: string; namespace?: string; name: string }[]).map((r) => `${r.kind}/${r.namespace}/${r.name}`);
}

/** The mixed manifests: one object team A may change, and three it may not. */
function mixed(x: Teams): { docs: string[]; teamC: string; reader: string } {
  const teamC = x.c.clusterName('Namespace', 'team-c');
  const reader = x.c.clusterName('ClusterRole', 'config-reader');
  return { docs: [configMap(x.teamA, 'settings'), deployment(x.teamB, 'web'), namespace(teamC), clusterRole(reader)], teamC, reader };
}

/** Every refused object of the mixed manifests gets its own line: verb, resource with its group, where, who. */
function assertRefusals(x: Teams, m: { teamC: string; reader: string }, out: string): void {
  const user = `\\(user "${x.dev.user}"\\)`;
  assert.match(out, new RegExp(`^error: Deployment/${x.teamB}/web: forbidden: cannot patch deployments\\.apps "web" in namespace "${x.teamB}" ${user}$`, 'm'), out);
  assert.match(out, new RegExp(`^error: Namespace/${m.teamC}: forbidden: cannot patch namespaces "${m.teamC}" at the cluster scope ${user}$`, 'm'), out);
  assert.match(out, new RegExp(`^error: ClusterRole/${m.reader}: forbidden: cannot patch clusterroles\\.rbac\\.authorization\\.k8s\\.io "${m.reader}" at the cluster scope `, 'm'), out);
  assert.doesNotMatch(out, new RegExp(`^error: ConfigMap/${x.teamA}/`, 'm'), 'the object the user may change is not reported as refused');
  assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
}

test('403 Forbidden on some objects: apply and diff name the verb, resource and namespace of each refused object and stop before the first write', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const m = mixed(x);
  const file = x.manifests('mixed', m.docs);

  const apply = await gdeploy(x.dev.kubeconfig, ['apply', '-f', file, '--app', 'mixed', '--no-wait']);
  assert.equal(apply.code, 1, 'exit code 1: an error (README, exit codes)');
  assertRefusals(x, m, apply.stderr);
  assert.match(apply.stdout, /^configmap\/settings skipped: not applied: planning failed$/m, apply.stdout);
  assert.equal(await x.c.get('configmap/settings'), undefined, 'nothing applied in team A either');
  assert.equal(await x.c.get('configmap/gdeploy.mixed'), undefined, 'no inventory or history written');
  assert.equal(await x.c.get(`namespace/${m.teamC}`), undefined);

  const diff = await gdeploy(x.dev.kubeconfig, ['diff', '-f', file, '--app', 'mixed']);
  assert.equal(diff.code, 2, 'diff: any error is exit 2, as kubectl diff');
  assertRefusals(x, m, diff.stderr);
});

test('403 Forbidden on some objects: sync stops before the first write, naming each refused object', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const m = mixed(x);
  const repo = await makeRepo({ name: 'mixed-sync' });
  t.after(() => repo.cleanup());
  const cache = mkdtempSync(join(tmpdir(), 'gdeploy-forbidden-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  await repo.commit({ 'deploy/settings.yaml': m.docs[0]!, 'deploy/web.yaml': m.docs[1]!, 'deploy/cluster.yaml': `${m.docs[2]}---\n${m.docs[3]}` });
  const sync = await gdeploy(x.dev.kubeconfig, ['sync', '--repo', repo.remote, '--path', 'deploy', '--app', 'mixed-sync', '--no-wait'], { XDG_CACHE_HOME: cache });
  assert.equal(sync.code, 1, sync.stderr);
  const out = sync.stdout + sync.stderr;
  // One line per object, as kubectl names them; the failure names the first refusal.
  assert.match(sync.stdout, new RegExp(`^deployment\\.apps/web failed: forbidden: cannot patch deployments\\.apps "web" in namespace "${x.teamB}" \\(user "${x.dev.user}"\\)$`, 'm'), out);
  assert.match(sync.stdout, new RegExp(`^namespace/${m.teamC} failed: forbidden: cannot patch namespaces "${m.teamC}" at the cluster scope `, 'm'), out);
  assert.match(sync.stdout, new RegExp(`^clusterrole\\.rbac\\.authorization\\.k8s\\.io/${m.reader} failed: forbidden: cannot patch clusterroles\\.rbac\\.authorization\\.k8s\\.io `, 'm'), out);
  assert.match(sync.stdout, /^configmap\/settings skipped: not applied: planning failed$/m, out);
  assert.match(sync.stderr, /^error: .*failed: .*forbidden: cannot patch /m, out);
  assert.doesNotMatch(out, /^\s+at /m, 'no stack trace');
  assert.equal(await x.c.get('configmap/settings'), undefined, 'nothing applied in team A either');
  assert.equal(await inventoryOf(x.c, 'mixed-sync'), undefined, 'no inventory of objects that were never applied');
});

test('prune never deletes on the strength of a list it was not allowed to read fully: an inventory that answers 500 stops the command', { skip: sandboxOnly('fault hooks') }, async (t) => {
  const c = await shared.cluster(t);
  const file = manifestFiles(t);
  const full = file('inv-full', [configMap(c.ns, 'inv-keep'), configMap(c.ns, 'inv-old')]);
  const setup = await c.gdeploy(['apply', '-f', full, '--app', 'inv', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = await inventoryOf(c, 'inv');
  assert.deepEqual(before?.sort(), [`ConfigMap/${c.ns}/inv-keep`, `ConfigMap/${c.ns}/inv-old`]);

  // The inventory answers 500 for longer than the retries last: not "no inventory".
  const smaller = file('inv-smaller', [configMap(c.ns, 'inv-keep', '2')]);
  const { faults } = c.sandbox!.hooks;
  faults.failNext({ path: `/namespaces/${c.ns}/configmaps/gdeploy.inv`, verb: 'get', status: 500, count: 100 });
  try {
    const broken = await c.gdeploy(['apply', '-f', smaller, '--app', 'inv', '--prune', '--no-wait', '--retry-timeout', '2s']);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stderr, new RegExp(`^error: cannot read the inventory of app inv \\(ConfigMap/${c.ns}/gdeploy\\.inv\\): .*gave up after \\d+ attempts`, 'm'), broken.stderr);
    assert.doesNotMatch(broken.stderr, /^\s+at /m);
  } finally {
    faults.clear();
  }
  assert.ok(await c.get('configmap/inv-old'), 'nothing pruned');
  assert.equal(await valueOf(c, c.ns, 'inv-keep'), '1', 'nothing applied');
  assert.deepEqual((await inventoryOf(c, 'inv'))?.sort(), before?.sort(), 'the inventory still knows every object');
});

test('prune never deletes on the strength of a list it was not allowed to read fully: an inventory in a namespace the user may not read stops the command', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const elsewhere = await gdeploy(x.dev.kubeconfig, ['diff', '-f', x.manifests('inv-b', [configMap(x.teamB, 'x')]), '-n', x.teamB, '--app', 'inv', '--prune']);
  assert.equal(elsewhere.code, 2, elsewhere.stderr);
  assert.match(
    elsewhere.stderr,
    new RegExp(`^error: cannot read the inventory of app inv \\(ConfigMap/${x.teamB}/gdeploy\\.inv\\): forbidden: cannot get configmaps "gdeploy\\.inv" in namespace "${x.teamB}" \\(user "${x.dev.user}"\\)$`, 'm'),
    elsewhere.stderr,
  );
});

test('prune never deletes on the strength of a list it was not allowed to read fully: an inventory whose object list is unreadable is not taken for an empty one', async (t) => {
  const c = await shared.cluster(t);
  const file = manifestFiles(t);
  const full = file('garbled-full', [configMap(c.ns, 'garbled-keep'), configMap(c.ns, 'garbled-old')]);
  const setup = await c.gdeploy(['apply', '-f', full, '--app', 'garbled', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  // Someone edits the record by hand and breaks it.
  const garbled = '[{"kind": "ConfigMap", "na';
  const edited = await c.kubectl(['patch', 'configmap', 'gdeploy.garbled', '--type', 'merge', '-p', JSON.stringify({ data: { objects: garbled } })]);
  assert.equal(edited.code, 0, edited.stderr);

  const smaller = file('garbled-smaller', [configMap(c.ns, 'garbled-keep', '2')]);
  for (const prune of [['--prune'], []]) {
    const r = await c.gdeploy(['apply', '-f', smaller, '--app', 'garbled', '--no-wait', ...prune]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ConfigMap/${c.ns}/gdeploy\\.garbled: data\\.objects is not a JSON list of `, 'm'), r.stderr);
    assert.match(r.stderr, new RegExp(`^hint: repair it with \`kubectl edit configmap gdeploy\\.garbled -n ${c.ns}\``, 'm'), r.stderr);
  }
  assert.ok(await c.get('configmap/garbled-old'), 'nothing pruned');
  assert.equal(await valueOf(c, c.ns, 'garbled-keep'), '1', 'nothing applied');
  assert.equal((await c.must('configmap/gdeploy.garbled')).data.objects, garbled, 'the record is left for a person to repair');
});

test('prune never deletes on the strength of a list it was not allowed to read fully: one unreadable prune candidate means no prune at all', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const { c, teamA, teamB } = x;
  // Set up by a cluster admin: app "spread" with objects in team A's and team B's namespaces, its inventory in team A's.
  const full = x.manifests('spread-full', [configMap(teamA, 'spread-keep'), configMap(teamA, 'spread-old'), configMap(teamB, 'spread-far')]);
  const setup = await c.gdeploy(['apply', '-f', full, '--app', 'spread', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = await inventoryOf(c, 'spread');
  assert.equal(before?.length, 3);

  // Team A's user drops both other objects: spread-old it could delete, spread-far it may not even read.
  const smaller = x.manifests('spread-smaller', [configMap(teamA, 'spread-keep', '2')]);
  for (const command of ['diff', 'apply']) {
    const r = await gdeploy(x.dev.kubeconfig, [command, '-f', smaller, '--app', 'spread', '--prune', ...(command === 'apply' ? ['--no-wait'] : [])]);
    assert.equal(r.code, command === 'diff' ? 2 : 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ConfigMap/${teamB}/spread-far: cannot tell whether to prune it: forbidden: cannot get configmaps "spread-far" in namespace "${teamB}" `, 'm'), r.stderr);
    assert.match(r.stderr, new RegExp(`^error: not pruning: 1 object of app spread's inventory \\(ConfigMap/${teamA}/gdeploy\\.spread\\) cannot be read, and prune deletes only on a complete picture$`, 'm'), r.stderr);
    assert.doesNotMatch(r.stdout, /pruned$/m, r.stdout);
  }
  assert.ok(await c.get('configmap/spread-old'), 'the readable candidate is not pruned either');
  assert.ok(await c.get('configmap/spread-far', teamB));
  assert.equal(await valueOf(c, teamA, 'spread-keep'), '1', 'stopped before the first write');
  assert.deepEqual((await inventoryOf(c, 'spread'))?.sort(), before?.sort());

  // With the whole picture (the admin), the same change prunes both.
  const whole = await c.gdeploy(['apply', '-f', smaller, '--app', 'spread', '--prune', '--no-wait']);
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(await c.get('configmap/spread-old'), undefined);
  assert.equal(await c.get('configmap/spread-far', teamB), undefined);
});

test('prune never deletes on the strength of a list it was not allowed to read fully: a delete the cluster would refuse means no prune at all', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const { c, teamA } = x;
  const full = x.manifests('guarded-full', [configMap(teamA, 'guarded-keep'), configMap(teamA, 'guarded-old'), configMap(teamA, 'guarded-locked')]);
  const setup = await c.gdeploy(['apply', '-f', full, '--app', 'guarded', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = await inventoryOf(c, 'guarded');

  // A user who may read guarded-locked, but whose delete of it is refused: on a cluster, a Role that grants
  // every verb but delete, and delete of the other ConfigMaps by name; on a sandbox, the admin with a fault.
  let who = c.kubeconfig;
  if (c.sandbox) c.sandbox.hooks.faults.failNext({ path: `/namespaces/${teamA}/configmaps/guarded-locked`, verb: 'delete', status: 403, count: 10 });
  else {
    const everyVerbButDelete = ['get', 'list', 'watch', 'create', 'update', 'patch'];
    const rules = [
      { apiGroups: ['*'], resources: ['*'], verbs: everyVerbButDelete },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['delete'], resourceNames: ['guarded-keep', 'guarded-old', 'gdeploy.guarded'] },
    ];
    who = (await c.namespaceUser(teamA, { name: 'gd-e2e-guarded', rules })).kubeconfig;
  }
  try {
    const smaller = x.manifests('guarded-smaller', [configMap(teamA, 'guarded-keep', '2')]);
    // A reviewer's diff deletes nothing and needs no delete permission (as kubectl diff needs none): it shows both prunes.
    const diff = await gdeploy(who, ['diff', '-f', smaller, '--app', 'guarded', '--prune']);
    assert.equal(diff.code, 1, diff.stderr);
    assert.match(diff.stdout, /guarded-locked/);
    const r = await gdeploy(who, ['apply', '-f', smaller, '--app', 'guarded', '--prune', '--no-wait']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: ConfigMap/${teamA}/guarded-locked: cannot prune it: .*forbidden`, 'mi'), r.stderr);
    assert.match(r.stderr, new RegExp(`^error: not pruning: 1 object of app guarded's inventory \\(ConfigMap/${teamA}/gdeploy\\.guarded\\) cannot be deleted`, 'm'), r.stderr);
  } finally {
    c.sandbox?.hooks.faults.clear();
  }
  assert.ok(await c.get('configmap/guarded-old'), 'the deletable candidate is not pruned either');
  assert.ok(await c.get('configmap/guarded-locked'));
  assert.equal(await valueOf(c, teamA, 'guarded-keep'), '1', 'stopped before the first write');
  assert.deepEqual((await inventoryOf(c, 'guarded'))?.sort(), before?.sort());
});

test('prune never deletes on the strength of a list it was not allowed to read fully: objects whose list and get are refused are neither deleted nor forgotten', async (t) => {
  const x = await teams(t);
  if (!x) return;
  const { c, teamA, teamB } = x;
  // Four objects of one kind in team B's namespace: gdeploy lists them (refused), then gets them one by one (refused).
  const farNames = ['far-1', 'far-2', 'far-3', 'far-4'];
  const docs = [configMap(teamA, 'near-1'), configMap(teamA, 'near-2'), ...farNames.map((n) => configMap(teamB, n))];
  const setup = await c.gdeploy(['apply', '-f', x.manifests('split-full', docs), '--app', 'split', '--no-wait']);
  assert.equal(setup.code, 0, setup.stderr);
  const before = await inventoryOf(c, 'split');
  assert.equal(before?.length, 6);

  // far-3 and far-4 leave the manifests: prune candidates gdeploy may not read.
  const kept = farNames.slice(0, 2);
  const changed = [configMap(teamA, 'near-1', '2'), configMap(teamA, 'near-2', '2'), ...kept.map((n) => configMap(teamB, n, '2'))];
  const r = await gdeploy(x.dev.kubeconfig, ['apply', '-f', x.manifests('split-changed', changed), '--app', 'split', '--prune', '--no-wait']);
  assert.equal(r.code, 1, r.stderr);
  for (const n of kept) {
    assert.match(r.stderr, new RegExp(`^error: ConfigMap/${teamB}/${n}: forbidden: cannot patch configmaps "${n}" in namespace "${teamB}" `, 'm'), r.stderr);
  }
  assert.match(r.stderr, /not pruning: 2 objects of app split's inventory/, r.stderr);
  for (const n of farNames) assert.equal(await valueOf(c, teamB, n), '1', `${n} untouched`);
  for (const n of ['near-1', 'near-2']) assert.equal(await valueOf(c, teamA, n), '1', `${n} not applied`);
  assert.deepEqual((await inventoryOf(c, 'split'))?.sort(), before?.sort(), 'objects that could not be seen stay in the inventory');
});

test('403 Forbidden on history and rollback: a clear message naming the verb, resource and namespace', async (t) => {
  const x = await teams(t);
  if (!x) return;
  for (const args of [['history'], ['rollback']]) {
    const r = await gdeploy(x.dev.kubeconfig, [...args, '--app', 'mixed', '-n', x.teamB]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: .*forbidden: cannot (get|create|list) \\S+ .*in namespace "${x.teamB}" \\(user "${x.dev.user}"\\)`, 'm'), r.stderr);
    assert.match(r.stderr, new RegExp(`^hint: \`kubectl auth can-i --list -n ${x.teamB}\` shows what you may do`, 'm'), r.stderr);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});

test('401 Unauthorized (a wrong token): a message about the credentials, and no token printed', async (t) => {
  const c = await shared.cluster(t);
  const wrongToken = `wrong-${randomBytes(12).toString('hex')}`;
  const wrong = c.kubeconfigWithToken(wrongToken);
  const probe = await run(KUBECTL, ['--kubeconfig', wrong, 'get', 'configmaps'], { env: { KUBECONFIG: '' } });
  if (probe.code === 0) return c.skip(t, 'the cluster lets a wrong token through: it does not authenticate');
  const one = manifestFiles(t)('one', [configMap(c.ns, 'one')]);
  for (const args of [['history', '--app', 'mixed'], ['history', '--app', 'mixed', '-v'], ['apply', '-f', one, '--app', 'one', '--no-wait'], ['diff', '-f', one]]) {
    const r = await gdeploy(wrong, args);
    assert.notEqual(r.code, 0);
    const out = r.stdout + r.stderr;
    assert.match(r.stderr, /^error: .*(refused|unauthorized|Unauthorized).*/m, r.stderr);
    assert.match(r.stderr, /^hint: .*(token|credentials)/m, r.stderr);
    assert.equal(out.match(/^error: /gm)?.length, 1, `one error line, not one per object:\n${out}`);
    assert.ok(!out.includes(wrongToken), 'the token is never printed');
    if (!args.includes('-v')) assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
  assert.equal(await c.get('configmap/one'), undefined);
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
