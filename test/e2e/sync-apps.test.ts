// `sync --apps FILE`: the apps a repository lists, deployed in dependency
// order, each as `sync --app` deploys it, one of them to a second cluster
// through a second context of the same kubeconfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { SKIP_WITHOUT_KUBECTL, cluster, type Cluster } from '../helpers/cluster.js';
import { helloWorldFlask, makeRepo, type TempRepo } from '../helpers/gitrepo.js';

/** One kubeconfig with contexts `first` (a's cluster, namespace a.ns) and `second` (b's). */
function twoContexts(t: { after: (fn: () => void) => void }, a: Cluster, b: Cluster): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-contexts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const merged = { apiVersion: 'v1', kind: 'Config', clusters: [] as unknown[], users: [] as unknown[], contexts: [] as unknown[], 'current-context': 'first' };
  for (const [name, c] of [['first', a], ['second', b]] as const) {
    const config = yaml.load(readFileSync(c.kubeconfig, 'utf8')) as any;
    const current = config.contexts.find((x: any) => x.name === config['current-context']).context;
    merged.clusters.push({ name, cluster: config.clusters.find((x: any) => x.name === current.cluster).cluster });
    merged.users.push({ name, user: config.users.find((x: any) => x.name === current.user).user });
    merged.contexts.push({ name, context: { cluster: name, user: name, namespace: c.ns } });
  }
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, yaml.dump(merged), { mode: 0o600 });
  return file;
}

/** A ConfigMap as an app's whole manifests. */
const configMap = (name: string, value = '1') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

async function repo(t: { after: (fn: () => Promise<void>) => void }): Promise<TempRepo> {
  const r = await makeRepo({ name: `fleet-${randomBytes(3).toString('hex')}` });
  t.after(() => r.cleanup());
  return r;
}

const history = async (c: Cluster, app: string, namespace: string) => {
  const r = await c.gdeploy(['history', '--app', app, '-n', namespace, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).revisions as Array<{ number: number; action: string; result: string; time: string; sha?: string; appsFile?: string }>;
};

test('a dependsOn chain deploys in order, one app to a second cluster; a second run changes nothing', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const a = await cluster(t);
  const b = await cluster(t);
  const kubeconfig = twoContexts(t, a, b);
  const r = await repo(t);
  const appsFile = `# the fleet\napps:\n  - name: db\n    path: apps/db\n    namespace: ${a.ns}\n  - name: api\n    path: apps/api\n    namespace: ${a.ns}\n    dependsOn: [db]\n  - name: web\n    path: apps/web\n    namespace: ${b.ns}\n    context: second\n    dependsOn: [api]\n`;
  const sha = await r.commit({
    'apps.yaml': appsFile,
    'apps/db/cm.yaml': configMap('db'),
    'apps/api/deployment.yaml': helloWorldFlask('latest', { name: 'api', replicas: 1 }),
    'apps/web/deployment.yaml': helloWorldFlask('latest', { name: 'web', replicas: 1 }),
  });

  const run = await a.gdeploy(['--kubeconfig', kubeconfig, 'sync', '--repo', r.remote, '--apps', 'apps.yaml', '--timeout', '3m']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`apps at main@sha1:${sha}: 3 succeeded`));
  assert.ok((await a.get('configmap/db')) && (await a.get('deployment/api')), 'db and api on the first cluster');
  assert.ok(await b.get('deployment/web'), 'web on the second cluster, in its namespace');
  if (a.sandbox) assert.equal(await a.get('deployment/web', b.ns), undefined, 'and not on the first');

  // In order: each app was recorded (after rolling out) before the next one's objects were created.
  const [db] = await history(a, 'db', a.ns);
  const [api] = await history(a, 'api', a.ns);
  const [web] = await history(b, 'web', b.ns);
  assert.equal(db!.sha, sha);
  assert.equal(db!.appsFile, 'apps.yaml');
  const created = async (c: Cluster, kindName: string) => Date.parse((await c.must(kindName)).metadata.creationTimestamp);
  const second = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;
  assert.ok((await created(a, 'deployment/api')) >= second(db!.time), 'api started after db was done');
  assert.ok((await created(b, 'deployment/web')) >= second(api!.time), 'web started after api was done');
  assert.equal(web!.result, 'succeeded');
  const started = (app: string) => run.stderr.indexOf(`${app}: deploying main@sha1:${sha}`);
  assert.ok(started('db') >= 0 && started('db') < started('api') && started('api') < started('web'), run.stderr);

  const again = await a.gdeploy(['--kubeconfig', kubeconfig, 'sync', '--repo', r.remote, '--apps', 'apps.yaml', '-o', 'json']);
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout);
  assert.equal(doc.kind, 'AppsSync');
  assert.deepEqual(doc.apps.map((x: any) => [x.app, x.result, x.context]), [['db', 'succeeded', 'first'], ['api', 'succeeded', 'first'], ['web', 'succeeded', 'second']]);
  assert.equal(doc.apps.filter((x: any) => x.number !== undefined).length, 0, 'nothing new recorded');
});

test('a failing app fails its dependants without trying them and spares the others; removed apps are reported, then pruned', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const r = await repo(t);
  const app = (name: string, extra = '') => `  - name: ${name}\n    path: apps/${name}\n    namespace: ${c.ns}\n${extra}`;
  await r.commit({
    'fleet/apps.yaml': `apps:\n${app('broken')}${app('after-broken', '    dependsOn: [broken]\n')}${app('alone')}${app('leaving')}`,
    'apps/broken/deployment.yaml': helloWorldFlask('latest', { name: 'broken', replicas: 1 }).replace('lyzhang1999/hello-world-flask:latest', 'registry.invalid/broken:1'),
    'apps/after-broken/cm.yaml': configMap('after-broken'),
    'apps/alone/cm.yaml': configMap('alone'),
    'apps/leaving/cm.yaml': configMap('leaving'),
  });
  const sync = (...extra: string[]) => c.gdeploy(['sync', '--repo', r.remote, '--apps', 'fleet/apps.yaml', '--timeout', '2m', ...extra]);
  const first = await sync('-o', 'json');
  assert.equal(first.code, 3, first.stderr);
  const results = Object.fromEntries(JSON.parse(first.stdout).apps.map((x: any) => [x.app, x]));
  assert.equal(results.broken.result, 'failed');
  assert.equal(results['after-broken'].result, 'not attempted');
  assert.match(results['after-broken'].reason, /depends on broken, which failed/);
  assert.equal(results.alone.result, 'succeeded');
  assert.equal(await c.get('configmap/after-broken'), undefined, 'a dependant of a failed app is not applied');
  assert.ok(await c.get('configmap/alone'));

  // leaving leaves the file: reported and left alone, then deleted with --prune-apps.
  await r.commit({ 'fleet/apps.yaml': `apps:\n${app('alone')}` });
  const reported = await sync();
  assert.equal(reported.code, 0, reported.stderr);
  assert.match(reported.stderr, new RegExp(`app leaving \\(namespace ${c.ns}.*\\) is no longer in fleet/apps\\.yaml: left as it is; --prune-apps deletes its objects`));
  assert.ok(await c.get('configmap/leaving'), 'left alone');
  const pruned = await sync('--prune-apps');
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.match(pruned.stderr, /app leaving .* left fleet\/apps\.yaml: its objects were deleted \(--prune-apps\)/);
  assert.equal(await c.get('configmap/leaving'), undefined);
  assert.equal(await c.get('configmap/after-broken'), undefined);
  const leaving = await history(c, 'leaving', c.ns);
  assert.equal(leaving[0]!.action, 'prune-app');
  assert.equal(leaving[0]!.result, 'succeeded');
  // broken too left the file (and its failed Deployment with it).
  assert.equal(await c.get('deployment/broken'), undefined);
});

test('an apps file with a cycle, an unknown dependency, a duplicate, a bad path or an unknown context is refused before anything is applied', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const r = await repo(t);
  const app = (name: string, extra = '') => `  - name: ${name}\n    path: apps/${name}\n    namespace: ${c.ns}\n${extra}`;
  await r.commit({ 'apps/a/cm.yaml': configMap('a'), 'apps/b/cm.yaml': configMap('b'), 'apps.yaml': 'apps: []\n' });
  const cases: Array<[string, RegExp]> = [
    [`apps:\n${app('a', '    dependsOn: [b]\n')}${app('b', '    dependsOn: [a]\n')}`, /circular dependency: a -> b -> a/],
    [`apps:\n${app('a', '    dependsOn: [nope]\n')}`, /app "a" depends on "nope", which the file does not list/],
    [`apps:\n${app('a')}${app('a')}`, /app "a" is listed twice/],
    [`apps:\n${app('a')}  - name: c\n    path: apps/missing\n    namespace: ${c.ns}\n`, /app "c": path "apps\/missing" is not a directory/],
    [`apps:\n${app('a', '    context: nowhere\n')}`, /app "a": .*nowhere/],
    [`apps:\n${app('a', '    colour: blue\n')}`, /apps\[0\] \(a\): unknown key "colour"/],
  ];
  for (const [text, why] of cases) {
    await r.commit({ 'apps.yaml': text });
    const run = await c.gdeploy(['sync', '--repo', r.remote, '--apps', 'apps.yaml']);
    assert.equal(run.code, 2, `${text}\n${run.stderr}`);
    assert.match(run.stderr, why);
    assert.match(run.stderr, /apps\.yaml/);
    assert.equal(await c.get('configmap/a'), undefined, 'nothing applied');
  }
  const both = await c.gdeploy(['sync', '--repo', r.remote, '--apps', 'apps.yaml', '--app', 'x']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--app cannot be combined with --apps/);
});

test('a cluster that cannot be reached fails its apps only', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const r = await repo(t);
  // A second context whose server is a port nothing listens on.
  const config = yaml.load(readFileSync(c.kubeconfig, 'utf8')) as any;
  const current = config.contexts.find((x: any) => x.name === config['current-context']).context;
  config.clusters.push({ name: 'down', cluster: { server: 'https://127.0.0.1:1' } });
  config.contexts.push({ name: 'down', context: { cluster: 'down', user: current.user, namespace: c.ns } });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-contexts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, yaml.dump(config), { mode: 0o600 });
  await r.commit({
    'apps.yaml': `apps:\n  - name: here\n    path: apps/here\n    namespace: ${c.ns}\n  - name: away\n    path: apps/away\n    namespace: ${c.ns}\n    context: down\n`,
    'apps/here/cm.yaml': configMap('here'),
    'apps/away/cm.yaml': configMap('away'),
  });
  // A short --retry-timeout: the port stays closed, and the default would wait a minute for it.
  const run = await c.gdeploy(['--kubeconfig', kubeconfig, '--retry-timeout', '1s', 'sync', '--repo', r.remote, '--apps', 'apps.yaml', '-o', 'json']);
  assert.equal(run.code, 1, run.stderr);
  const results = Object.fromEntries(JSON.parse(run.stdout).apps.map((x: any) => [x.app, x]));
  assert.equal(results.here.result, 'succeeded');
  assert.equal(results.away.result, 'failed');
  assert.match(results.away.reason, /127\.0\.0\.1:1/);
  assert.ok(await c.get('configmap/here'));
});
