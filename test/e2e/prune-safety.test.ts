// Prune never destroys what it keeps: a Namespace that still holds objects,
// a CRD that still has custom resources, an app emptied by an empty file or a
// wrong path, a custom resource whose CRD moved to a new version, and a file
// that means something else to kubectl. Each test works in namespaces and API
// groups of its own, so that they can share one cluster.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { configMap } from './apply-harness.js';
import { SKIP_WITHOUT_KUBECTL, manifests, sharedCluster, write, type Cluster } from '../helpers/cluster.js';
import { makeRepo, type TempRepo } from '../helpers/gitrepo.js';

const skip = SKIP_WITHOUT_KUBECTL;
const shared = sharedCluster();
let c: Cluster;
let hooks: TestContext;
/** The file's cluster for one test: a namespace of the test's own on a shared sandbox, or on the given cluster. */
async function use(t: TestContext): Promise<void> {
  c = await shared.cluster(t);
  hooks = t;
}

const unique = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;
const namespace = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

async function inventory(app: string, ns = c.ns): Promise<Array<{ apiVersion: string; kind: string; name: string; namespace?: string }>> {
  const cm = await c.get(`configmap/gdeploy.${app}`, ns);
  return JSON.parse(cm?.data?.objects ?? '[]');
}

async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await c.gdeploy(args);
  assert.equal(r.code, 0, `gdeploy ${args.join(' ')}: ${r.stderr}`);
  return r;
}

test('prune keeps a Namespace that still holds objects, says why, and prunes it once it is empty', { skip }, async (t) => {
  await use(t);
  const app = unique('nsapp');
  const ns = c.clusterName('Namespace', 'nsp');
  const dir = manifests(hooks, app, { 'a-namespace.yaml': namespace(ns), 'b-config.yaml': configMap('cm1', { a: '1' }, ns) });
  await ok(['apply', '-f', dir, '--no-wait']);

  // The Namespace leaves the manifests; the ConfigMap inside it stays.
  write(dir, { 'a-namespace.yaml': null });
  const diff = await c.gdeploy(['diff', '-f', dir, '--prune']);
  assert.equal(diff.code, 0, `no difference: the Namespace is kept\n${diff.stdout}${diff.stderr}`);
  assert.doesNotMatch(diff.stdout, /Namespace\/.* \(pruned\)/);
  assert.match(diff.stderr, new RegExp(`Namespace/${ns} not pruned: it still holds 1 object this run does not delete: ConfigMap/${ns}/cm1`));

  const kept = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(kept.stdout, /^configmap\/cm1 unchanged$/m);
  assert.doesNotMatch(kept.stdout, /namespace\/.* pruned/);
  assert.match(kept.stderr, new RegExp(`Namespace/${ns} not pruned: it still holds 1 object this run does not delete: ConfigMap/${ns}/cm1; it stays in the inventory`));
  assert.equal((await c.get(`namespace/${ns}`))?.status?.phase, 'Active');
  assert.ok(await c.get('configmap/cm1', ns), 'the ConfigMap lives');
  assert.ok((await inventory(app)).some((r) => r.kind === 'Namespace' && r.name === ns), 'the Namespace stays in the inventory');

  // Objects of nobody keep it too, named with their count.
  for (const name of ['stray-1', 'stray-2', 'stray-3', 'stray-4', 'stray-5', 'stray-6']) {
    assert.equal((await c.kubectl(['apply', '-f', '-'], configMap(name, { x: '1' }, ns))).code, 0);
  }
  write(dir, { 'b-config.yaml': null, 'c-other.yaml': configMap('elsewhere', { o: '1' }) });
  const strays = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(strays.stdout, /^configmap\/cm1 pruned$/m);
  assert.match(strays.stderr, new RegExp(`Namespace/${ns} not pruned: it still holds 6 objects this run does not delete: ConfigMap/${ns}/stray-1, .*, and 1 more`));
  assert.equal((await c.get(`namespace/${ns}`))?.status?.phase, 'Active');
  assert.ok(await c.get('configmap/stray-6', ns), "nobody's objects live");

  // Once nothing else lives there, the next run prunes it, naming what goes with it.
  assert.equal((await c.kubectl(['delete', 'configmap', '--all', '-n', ns])).code, 0);
  const preview = await c.gdeploy(['diff', '-f', dir, '--prune']);
  assert.equal(preview.code, 1, preview.stderr);
  assert.match(preview.stdout, new RegExp(`^Namespace/${ns} \\(pruned\\)$`, 'm'));
  assert.match(preview.stdout, new RegExp(`^# deleted with Namespace/${ns}: ServiceAccount/${ns}/default$`, 'm'));
  const json = JSON.parse((await ok(['apply', '-f', dir, '--no-wait', '--prune', '-o', 'json'])).stdout);
  const pruned = json.changes.find((ch: { kind: string }) => ch.kind === 'Namespace');
  assert.equal(pruned.action, 'pruned');
  assert.ok(pruned.alsoDeletes.includes(`ServiceAccount/${ns}/default`), JSON.stringify(pruned));
  assert.deepEqual(json.warnings, []);
  const gone = await c.get(`namespace/${ns}`);
  assert.ok(gone === undefined || gone.status?.phase === 'Terminating', 'the Namespace is being deleted');
  assert.ok(!(await inventory(app)).some((r) => r.kind === 'Namespace'), 'and left the inventory');
});

test('objects the run applies keep their Namespace and CRD, even when they do not exist yet; the app\'s own namespace is never pruned', { skip }, async (t) => {
  await use(t);
  const group = c.group();
  const app = unique('arrive');
  const ns = c.clusterName('Namespace', 'nsnew');
  const dir = manifests(hooks, app, {
    'a-namespace.yaml': namespace(ns),
    'b-old.yaml': configMap('old', { a: '1' }, ns),
    'c-crd.yaml': crd(group, [{ name: 'v1', served: true, storage: true }]),
  });
  await ok(['apply', '-f', dir, '--no-wait']);
  // The Namespace and the CRD leave the manifests (moved to a platform repository); the only
  // object in the Namespace is pruned, and a new one arrives, as does the first Widget.
  write(dir, { 'a-namespace.yaml': null, 'b-old.yaml': null, 'c-crd.yaml': null, 'd-new.yaml': configMap('new', { b: '1' }, ns), 'e-widget.yaml': widget(group, 'v1', 'first') });
  const r = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(r.stdout, /^configmap\/old pruned$/m);
  assert.match(r.stdout, /^configmap\/new created$/m);
  assert.match(r.stderr, new RegExp(`Namespace/${ns} not pruned: it still holds 1 object this run does not delete: ConfigMap/${ns}/new`));
  assert.match(r.stderr, new RegExp(`CustomResourceDefinition/widgets\\.${group.replace(/\./g, '\\.')} not pruned: this run applies custom resources of it: Widget/${c.ns}/first`));
  assert.ok(await c.get('configmap/new', ns), 'the new object lives');
  assert.ok(await c.get(`widgets.${group}/first`, c.ns));

  // An app recorded in a namespace cannot prune it: its own inventory lives there.
  const home = await c.namespace('home');
  const homeDir = manifests(hooks, unique('homeapp'), { 'ns.yaml': namespace(home), 'cm.yaml': configMap('x', { a: '1' }) });
  await ok(['apply', '-f', homeDir, '--no-wait', '-n', home]);
  write(homeDir, { 'ns.yaml': null });
  const kept = await ok(['apply', '-f', homeDir, '--no-wait', '-n', home, '--prune']);
  assert.match(kept.stderr, new RegExp(`Namespace/${home} not pruned: it holds app .*'s own inventory \\(ConfigMap/${home}/gdeploy\\.`));
  assert.equal((await c.get(`namespace/${home}`))?.status?.phase, 'Active');
});

test('sync keeps a Namespace the repository no longer lists while its ConfigMap stays', { skip }, async (t) => {
  await use(t);
  const r = await repo();
  const ns = c.clusterName('Namespace', 'nsync');
  const app = unique('syncns');
  await r.commit({ 'deploy/namespace.yaml': namespace(ns), 'deploy/config.yaml': configMap('settings', { a: '1' }, ns) });
  await ok(sync(r, app));
  await r.commit({ 'deploy/namespace.yaml': null }, 'the namespace moved to the platform repository');
  const second = await ok(sync(r, app));
  assert.match(second.stderr, new RegExp(`Namespace/${ns} not pruned: it still holds 1 object this run does not delete: ConfigMap/${ns}/settings`));
  assert.equal((await c.get(`namespace/${ns}`))?.status?.phase, 'Active');
  assert.ok(await c.get('configmap/settings', ns));
});

test('an empty set of manifests is refused by apply, diff and sync, and deletes nothing; --allow-empty empties the app', { skip }, async (t) => {
  await use(t);
  const app = unique('empty');
  const dir = manifests(hooks, app, { 'a.yaml': configMap('keep-a', { a: '1' }), 'b.yaml': configMap('keep-b', { b: '1' }) });
  await ok(['apply', '-f', dir, '--no-wait']);
  const empty = manifests(hooks, app, { 'empty.yaml': '# nothing here yet\n' });
  const file = join(empty, 'empty.yaml');

  const applied = await c.gdeploy(['apply', '-f', file, '--app', app, '--prune', '--no-wait']);
  assert.equal(applied.code, 2);
  assert.match(applied.stderr, new RegExp(`^error: no objects passed to apply: "${file.replace(/[/.]/g, '\\$&')}" holds no manifests$`, 'm'));
  assert.match(applied.stderr, /--allow-empty/);
  const diffed = await c.gdeploy(['diff', '-f', file, '--app', app, '--prune']);
  assert.equal(diffed.code, 2);
  assert.match(diffed.stderr, /no objects passed to diff/);
  assert.ok(await c.get('configmap/keep-a', c.ns), 'nothing was pruned');
  assert.ok(await c.get('configmap/keep-b', c.ns));

  const emptied = await ok(['apply', '-f', file, '--app', app, '--prune', '--no-wait', '--allow-empty']);
  assert.match(emptied.stdout, /^configmap\/keep-a pruned$/m);
  assert.equal(await c.get('configmap/keep-a', c.ns), undefined);

  // sync: a commit that moved the files away from --path.
  const r = await repo();
  const syncApp = unique('emptysync');
  await r.commit({ 'deploy/config.yaml': configMap('synced', { a: '1' }) });
  await ok(sync(r, syncApp));
  const moved = await r.commit({ 'deploy/config.yaml': null, 'deploy/README.md': 'moved to apps/\n', 'apps/config.yaml': configMap('synced', { a: '1' }) });
  const refused = await c.gdeploy(sync(r, syncApp));
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, new RegExp(`no objects passed to deploy: path "deploy" of .* at main@sha1:${moved} holds no manifests`));
  assert.ok(await c.get('configmap/synced', c.ns), 'sync pruned nothing');
  const history = await ok(['history', '--app', syncApp]);
  assert.match(history.stdout, /failed/);
});

const crd = (group: string, versions: Array<{ name: string; served: boolean; storage: boolean }>, scope = 'Namespaced'): string =>
  `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: ${scope}
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
${versions
  .map((v) => `  - name: ${v.name}\n    served: ${v.served}\n    storage: ${v.storage}\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n`)
  .join('')}`;
const widget = (group: string, version: string, name: string, ns?: string): string =>
  `apiVersion: ${group}/${version}\nkind: Widget\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  size: 3\n`;

/** An app of a CRD of the test's own group and one custom resource of it, applied. */
async function crdApp(prefix: string, widgetName: string): Promise<{ group: string; app: string; dir: string }> {
  const group = c.group();
  const app = unique(prefix);
  const dir = manifests(hooks, app, { 'crd.yaml': crd(group, [{ name: 'v1', served: true, storage: true }]), 'widget.yaml': widget(group, 'v1', widgetName) });
  await ok(['apply', '-f', dir, '--no-wait']);
  return { group, app, dir };
}

test('a custom resource whose CRD moves to a new version is neither created again nor orphaned, and is pruned', { skip }, async (t) => {
  await use(t);
  const group = c.group();
  const app = unique('crdmove');
  const dir = manifests(hooks, app, {
    'crd.yaml': crd(group, [{ name: 'v1alpha1', served: true, storage: true }]),
    'widget.yaml': widget(group, 'v1alpha1', 'gear'),
  });
  await ok(['apply', '-f', dir, '--no-wait']);

  // The CRD serves v1 only now; the custom resource is written as v1.
  write(dir, {
    'crd.yaml': crd(group, [
      { name: 'v1alpha1', served: false, storage: false },
      { name: 'v1', served: true, storage: true },
    ]),
    'widget.yaml': widget(group, 'v1', 'gear'),
  });
  const diff = await c.gdeploy(['diff', '-f', dir, '--prune']);
  assert.equal(diff.code, 1, diff.stderr);
  assert.doesNotMatch(diff.stdout, /Widget\/\S+\/gear \(created\)/, 'the custom resource exists: it is not new');
  const moved = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(moved.stdout, new RegExp(`^widget\\.${group.replace(/\./g, '\\.')}/gear unchanged$`, 'm'));
  assert.doesNotMatch(moved.stdout, /pruned/);
  assert.ok((await inventory(app)).some((r) => r.kind === 'Widget' && r.apiVersion === `${group}/v1`), 'recorded under the version now served');

  // Removed from the manifests, it is pruned.
  write(dir, { 'widget.yaml': null });
  const pruned = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(pruned.stdout, /^widget\..*\/gear pruned$/m);
  assert.equal(await c.get(`widgets.${group}/gear`, c.ns), undefined);
});

test('an inventory entry whose kind the cluster no longer serves is reported, not dropped silently', { skip }, async (t) => {
  await use(t);
  const { group, app, dir } = await crdApp('crdgone', 'gear');
  // Someone else deletes the CRD (and with it every Widget).
  assert.equal((await c.kubectl(['delete', 'crd', `widgets.${group}`, '--wait=true'])).code, 0);
  write(dir, { 'crd.yaml': null, 'widget.yaml': null, 'other.yaml': configMap(unique('other'), { a: '1' }) });
  const r = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(r.stderr, new RegExp(`Widget/${c.ns}/gear: dropped from app ${app}'s inventory: the cluster no longer serves its kind`));
  assert.ok(!(await inventory(app)).some((e) => e.kind === 'Widget'));
});

test('a CRD is not pruned while custom resources of it exist that the run does not delete', { skip }, async (t) => {
  await use(t);
  const { group, dir } = await crdApp('crdkeep', 'mine');
  assert.equal((await c.kubectl(['apply', '-f', '-'], widget(group, 'v1', 'theirs', c.ns))).code, 0);

  write(dir, { 'crd.yaml': null, 'widget.yaml': null, 'other.yaml': configMap(unique('other'), { a: '1' }) });
  const kept = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(kept.stdout, /^widget\..*\/mine pruned$/m, 'its own custom resource is pruned');
  assert.match(kept.stderr, new RegExp(`CustomResourceDefinition/widgets.${group.replace(/\./g, '\\.')} not pruned: deleting it would delete its custom resources, and it still has 1 custom resource this run does not delete: Widget/${c.ns}/theirs`));
  assert.ok(await c.get(`crd/widgets.${group}`));
  assert.ok(await c.get(`widgets.${group}/theirs`, c.ns), "someone else's custom resource lives");

  assert.equal((await c.kubectl(['delete', `widgets.${group}`, 'theirs', '-n', c.ns])).code, 0);
  const pruned = await ok(['apply', '-f', dir, '--no-wait', '--prune']);
  assert.match(pruned.stdout, /^customresourcedefinition\.apiextensions\.k8s\.io\/widgets\..* pruned$/m);
});

test('a cluster-scoped custom resource planned before its CRD exists is shown without a namespace', { skip }, async (t) => {
  await use(t);
  const group = c.group();
  const dir = manifests(hooks, unique('scoped'), { 'crd.yaml': crd(group, [{ name: 'v1', served: true, storage: true }], 'Cluster'), 'widget.yaml': widget(group, 'v1', 'global') });
  const diff = await c.gdeploy(['diff', '-f', dir]);
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /^Widget\/global \(created\)$/m);
  const json = JSON.parse((await c.gdeploy(['apply', '-f', dir, '--dry-run', '-o', 'json'])).stdout);
  assert.equal(json.changes.find((ch: { kind: string }) => ch.kind === 'Widget').namespace, undefined);
});

test('a manifest means what it means to kubectl: `yes` is a boolean, refused in a ConfigMap with kubectl\'s reason', { skip }, async (t) => {
  await use(t);
  const app = unique('yaml11');
  const name = unique('flags');
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  enabled: yes\n`;
  const dir = manifests(hooks, app, { 'flags.yaml': text });
  const file = join(dir, 'flags.yaml');
  const r = await c.gdeploy(['apply', '-f', file, '--app', app, '--no-wait']);
  assert.equal(r.code, 1);
  const kubectl = await c.kubectl(['apply', '--server-side', '-f', file]);
  assert.notEqual(kubectl.code, 0, 'kubectl refuses it too');
  const reason = /(\.data\.enabled: expected string, got .*)$/m.exec(kubectl.stderr)?.[1];
  assert.ok(reason, kubectl.stderr);
  assert.ok(r.stderr.includes(`ConfigMap/${c.ns}/${name} (${file}, document 1) apply failed:`), r.stderr);
  assert.ok(r.stderr.includes(reason), `gdeploy gives kubectl's reason "${reason}":\n${r.stderr}`);
  assert.equal(await c.get(`configmap/${name}`, c.ns), undefined, 'nothing applied');

  const diff = await c.gdeploy(['diff', '-f', file, '--app', app]);
  assert.equal(diff.code, 2);
  assert.match(diff.stderr, /would be refused: .*expected string/, 'a diff says what the server would refuse, not that an apply failed');
  assert.doesNotMatch(diff.stderr, /apply failed/);

  // Quoted, it is the string kubectl reads too.
  write(dir, { 'flags.yaml': text.replace('enabled: yes', 'enabled: "yes"') });
  await ok(['apply', '-f', file, '--app', app, '--no-wait']);
  assert.equal((await c.get(`configmap/${name}`, c.ns))?.data?.enabled, 'yes');
});

// --- git ------------------------------------------------------------------

async function repo(): Promise<TempRepo> {
  const r = await makeRepo({ name: unique('prune') });
  hooks.after(() => r.cleanup());
  return r;
}

function sync(r: TempRepo, app: string): string[] {
  return ['sync', '--repo', r.remote, '--path', 'deploy', '--app', app, '--no-wait'];
}

test('a CRD the server will not establish fails at once with its condition; --no-wait does not wait for it; a rerun does not call it unchanged', { skip }, async (t) => {
  await use(t);
  const group = c.group();
  // A conversion webhook whose caBundle is no certificate: the API server keeps the CRD from being Established.
  const broken = crd(group, [{ name: 'v1', served: true, storage: true }]).replace(
    'spec:\n',
    'spec:\n  conversion:\n    strategy: Webhook\n    webhook:\n      conversionReviewVersions: [v1]\n      clientConfig:\n        caBundle: Y2VydA==\n        service: {namespace: default, name: converter}\n',
  );
  const dir = manifests(hooks, unique('badcrd'), { 'crd.yaml': broken });
  const noWait = await ok(['apply', '-f', dir, '--no-wait']);
  assert.match(noWait.stdout, /^customresourcedefinition\.apiextensions\.k8s\.io\/widgets\..* created$/m, 'nothing of its kind follows: not waited for');

  const rerun = await c.gdeploy(['apply', '-f', dir]);
  assert.equal(rerun.code, 1, rerun.stdout);
  assert.match(rerun.stderr, new RegExp(`CustomResourceDefinition/widgets\\.${group.replace(/\./g, '\\.')} cannot become Established: Established=False, InvalidCABundle: `));
  assert.doesNotMatch(rerun.stdout, / unchanged$/m);

  write(dir, { 'widget.yaml': widget(group, 'v1', 'w') });
  const withObjects = await c.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(withObjects.code, 1);
  assert.match(withObjects.stderr, /InvalidCABundle/);
  assert.doesNotMatch(withObjects.stdout, /^widget\..* created$/m, 'nothing of its kind applied');
});
