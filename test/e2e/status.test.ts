// `gdeploy status`: one row per app, with the revision it runs, whether the
// cluster still matches that commit (a dry run of it, as a sync plans it),
// and the health of its objects; several clusters side by side, one that
// cannot be read a row of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import { manifests, type Cluster } from '../helpers/cluster.js';
import { git, gitopsSuite, helloWorldFlask } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

const configMap = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;
const suffix = () => randomBytes(3).toString('hex');

interface Row {
  app: string;
  namespace: string;
  cluster: string;
  source?: { kind: string; sha?: string; ref?: string; files?: string };
  upstream?: { ref: string; sha?: string; behind?: number; error?: string };
  sync: { status: string; unknown?: string; objects?: { subject: string; action: string; fields?: { path: string; live?: string; desired?: string }[] }[]; pinned?: { sha: string } };
  health: { status: string; reason?: string };
  updated?: string;
  message?: string;
}

async function statusJSON(c: Cluster, ...args: string[]): Promise<Map<string, Row>> {
  const r = await c.gdeploy(['status', '-o', 'json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { kind: string; apps: Row[] };
  assert.equal(doc.kind, 'Status');
  return new Map(doc.apps.map((a) => [a.app, a]));
}

/** The table row of `app`, its columns split on the table's runs of spaces. */
async function tableRow(c: Cluster, app: string): Promise<string> {
  const r = await c.gdeploy(['status']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^APP\s+NAMESPACE\s+CLUSTER\s+REVISION\s+SYNC\s+HEALTH\s+UPDATED\s+MESSAGE$/);
  const row = lines.find((l) => l.startsWith(`${app} `));
  assert.ok(row, `no row for ${app}:\n${r.stdout}`);
  return row;
}

test('status: Synced and Healthy after a sync, OutOfSync (1) after a hand change, Pinned after a rollback, Degraded after a bad image', async (t) => {
  const c = await suite.cluster(t);
  const web = await suite.repo(`status-web-${suffix()}`);
  const cfg = await suite.repo(`status-cfg-${suffix()}`);
  const first = await web.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: web.name, replicas: 1 }) }, 'latest');
  assert.equal((await c.gdeploy(['sync', '--repo', web.remote])).code, 0);
  const second = await web.commit({ 'deployment.yaml': helloWorldFlask('v1', { name: web.name, replicas: 1 }) }, 'v1');
  const synced = await c.gdeploy(['sync', '--repo', web.remote]);
  assert.equal(synced.code, 0, synced.stderr);
  await cfg.commit({ 'cm.yaml': configMap(cfg.name, '1') });
  assert.equal((await c.gdeploy(['sync', '--repo', cfg.remote])).code, 0);

  let apps = await statusJSON(c);
  assert.deepEqual([...apps.keys()].sort(), [cfg.name, web.name].sort());
  const w = apps.get(web.name)!;
  assert.equal(w.namespace, c.ns);
  assert.deepEqual([w.sync.status, w.health.status], ['Synced', 'Healthy']);
  assert.equal(w.source?.kind, 'git');
  assert.equal(w.source?.sha, second);
  assert.equal(w.source?.ref, 'main');
  assert.equal(w.message, undefined);
  assert.deepEqual([apps.get(cfg.name)!.sync.status, apps.get(cfg.name)!.health.status], ['Synced', 'Healthy']);
  assert.match(await tableRow(c, web.name), new RegExp(`^${web.name}\\s+${c.ns}\\s+\\S+\\s+main@${second.slice(0, 7)}\\s+Synced\\s+Healthy\\s+\\d+[smhdy]\\S*$`));

  // A hand change: the dry run of the deployed commit would change one object back.
  const scaled = await c.kubectl(['scale', `deployment/${web.name}`, '--replicas=5']);
  assert.equal(scaled.code, 0, scaled.stderr);
  apps = await statusJSON(c);
  const drifted = apps.get(web.name)!.sync;
  assert.equal(drifted.status, 'OutOfSync');
  assert.deepEqual(drifted.objects?.map((o) => [o.subject, o.action]), [[`Deployment/${c.ns}/${web.name}`, 'configured']]);
  assert.deepEqual(drifted.objects?.[0]?.fields?.map((f) => [f.path, f.live, f.desired]), [['spec.replicas', '5', '1']]);
  assert.equal(apps.get(cfg.name)!.sync.status, 'Synced', 'the other app is untouched');
  const outOfSync = await tableRow(c, web.name);
  assert.match(outOfSync, /\s+OutOfSync \(1\)\s+/);
  assert.match(outOfSync, new RegExp(`deployment\\.apps/${web.name} differs from git: spec\\.replicas: 5 -> 1`));

  // A rollback pins the app at the first commit, and puts the replicas back.
  const back = await c.gdeploy(['rollback', first, '--app', web.name]);
  assert.equal(back.code, 0, back.stderr);
  apps = await statusJSON(c);
  const pinned = apps.get(web.name)!;
  assert.equal(pinned.source?.sha, first);
  assert.equal(pinned.sync.status, 'Synced');
  assert.equal(pinned.sync.pinned?.sha, first);
  assert.deepEqual(pinned.upstream, { ref: 'main', sha: second, behind: 1 }, 'main is one commit past the pin');
  assert.match(await tableRow(c, web.name), new RegExp(`\\s+main@${first.slice(0, 7)} \\(1 behind\\)\\s+Pinned\\s+\\S+\\s+\\S+\\s+pinned by revision 3`));
  // A commit lands after the pin: status says the next sync ends the pin, not that syncs leave the app alone.
  const notes = await web.commit({ 'README.md': 'notes\n' }, 'notes');
  const movedOn = (await statusJSON(c, '--app', web.name)).get(web.name)!;
  assert.deepEqual(movedOn.upstream, { ref: 'main', sha: notes, behind: 2 });
  assert.equal(movedOn.message, `pinned by revision 3 at ${first.slice(0, 12)}, but main has moved on to ${notes.slice(0, 7)} since: the next sync ends the pin and deploys it`);
  assert.equal((await c.kubectl(['scale', `deployment/${web.name}`, '--replicas=3'])).code, 0);
  assert.match(await tableRow(c, web.name), /\s+Pinned, OutOfSync \(1\)\s+/);

  // A commit whose image cannot be pulled: the sync's rollout fails, and status says why.
  const bad = await web.commit({ 'deployment.yaml': helloWorldFlask('v1', { name: web.name, replicas: 1 }).replace('lyzhang1999/hello-world-flask:v1', 'registry.invalid/hello-world-flask:v1') }, 'bad image');
  const failed = await c.gdeploy(['sync', '--repo', web.remote, '--timeout', '90s']);
  assert.equal(failed.code, 3, failed.stderr);
  let degraded: Row | undefined;
  // The kubelet's verdict on the Pod is what status reads: look until it is there.
  for (let i = 0; i < 120 && degraded?.health.status !== 'Degraded'; i++) {
    if (i > 0) await sleep(500);
    degraded = (await statusJSON(c)).get(web.name);
  }
  assert.equal(degraded?.health.status, 'Degraded', JSON.stringify(degraded));
  assert.match(degraded!.health.reason!, new RegExp(`^deployment\\.apps/${web.name}: .*(ImagePullBackOff|ErrImagePull|InvalidImageName|progress deadline)`));
  assert.equal(degraded!.message, degraded!.health.reason);
  assert.equal(degraded!.source?.sha, bad);
  assert.equal(degraded!.sync.status, 'Synced', 'the cluster has what the commit says; it does not run');
  assert.equal(degraded!.sync.pinned, undefined, 'the new commit ended the pin');
  assert.match(await tableRow(c, web.name), /\s+Synced\s+Degraded\s+/);
});

test('status: --app and -A, an app applied from files, a missing object, an unknown context (exit 2) and an unreachable cluster (its own row, exit 1)', async (t) => {
  const c = await suite.cluster(t);
  const cfg = await suite.repo(`status-only-${suffix()}`);
  await cfg.commit({ 'cm.yaml': configMap(cfg.name, '1') });
  assert.equal((await c.gdeploy(['sync', '--repo', cfg.remote])).code, 0);
  const files = `status-files-${suffix()}`;
  const dir = manifests(t, files, { 'cm.yaml': configMap(files, '1') });
  const applied = await c.gdeploy(['apply', '-f', dir, '--app', files]);
  assert.equal(applied.code, 0, applied.stderr);

  const fromFiles = (await statusJSON(c)).get(files)!;
  assert.deepEqual(fromFiles.source, { kind: 'files', files: dir });
  assert.deepEqual([fromFiles.sync.status, fromFiles.sync.unknown, fromFiles.health.status], ['Unknown', 'not from git', 'Healthy']);
  assert.match(await tableRow(c, files), new RegExp(`\\s+${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+Unknown \\(not from git\\)\\s+Healthy\\s+`));

  const one = await statusJSON(c, '--app', cfg.name);
  assert.deepEqual([...one.keys()], [cfg.name]);
  const everywhere = await statusJSON(c, '-A', '--app', cfg.name);
  assert.deepEqual([...everywhere.values()].map((a) => [a.app, a.namespace]), [[cfg.name, c.ns]]);
  const none = await c.gdeploy(['status', '--app', 'never-deployed']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, new RegExp(`app never-deployed not found in namespace ${c.ns}`));

  // A fresh mirror cache fetches the deployed commit; a repository that is gone makes sync Unknown, saying why.
  const fresh = join(dir, '..', 'fresh-cache');
  assert.equal((await statusJSON(c, '--app', cfg.name, '--cache-dir', fresh)).get(cfg.name)!.sync.status, 'Synced');
  const gone = await suite.repo(`status-gone-${suffix()}`);
  await gone.commit({ 'cm.yaml': configMap(gone.name, '1') });
  assert.equal((await c.gdeploy(['sync', '--repo', gone.remote])).code, 0);
  await gone.cleanup();
  const lost = (await statusJSON(c, '--app', gone.name, '--cache-dir', join(dir, '..', 'empty-cache'))).get(gone.name)!;
  assert.deepEqual([lost.sync.status, lost.sync.unknown, lost.health.status], ['Unknown', 'error', 'Healthy']);
  assert.match(lost.message!, /^cannot compare with main@sha1:[0-9a-f]{40}: /);

  // An object of the inventory deleted by hand: Missing, and a sync would create it again.
  assert.equal((await c.kubectl(['delete', 'configmap', cfg.name])).code, 0);
  const missing = (await statusJSON(c, '--app', cfg.name)).get(cfg.name)!;
  assert.deepEqual([missing.health.status, missing.sync.status], ['Missing', 'OutOfSync']);
  assert.deepEqual(missing.sync.objects?.map((o) => o.action), ['created']);
  assert.equal(missing.message, `configmap/${cfg.name}: not found`);

  const unknown = await c.gdeploy(['status', '--context', 'no-such-context']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /context "no-such-context" not found/);

  // A second context whose API server does not answer: its row says so, the first cluster's apps are listed.
  const config = yaml.load(readFileSync(c.kubeconfig, 'utf8')) as { 'current-context': string; clusters: unknown[]; contexts: { name: string; context: { user: string } }[] };
  const current = config['current-context'];
  config.clusters.push({ name: 'gd-e2e-down', cluster: { server: 'https://127.0.0.1:1' } });
  config.contexts.push({ name: 'gd-e2e-down', context: { ...config.contexts[0]!.context, cluster: 'gd-e2e-down' } as { user: string } });
  const two = join(dir, '..', 'two-clusters.kubeconfig');
  writeFileSync(two, yaml.dump(config), { mode: 0o600 });
  const both = await c.gdeploy(['--kubeconfig', two, '--retry-timeout', '1s', 'status', '--app', cfg.name, '--context', current, '--context', 'gd-e2e-down']);
  assert.equal(both.code, 1, both.stderr);
  assert.match(both.stdout, new RegExp(`^${cfg.name}\\s+${c.ns}\\s+${current.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+main@`, 'm'));
  assert.match(both.stdout, /^-\s+\S+\s+gd-e2e-down\s+-\s+Unknown\s+Unknown\s+-\s+cannot read the cluster: .*127\.0\.0\.1:1/m);
  assert.match(both.stderr, /cannot read the cluster of context gd-e2e-down/);
  const json = await c.gdeploy(['--kubeconfig', two, '--retry-timeout', '1s', 'status', '--app', cfg.name, '--context', current, '--context', 'gd-e2e-down', '-o', 'json']);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.stdout) as { apps: Row[]; failed: { cluster: string; error: string }[] };
  assert.deepEqual(doc.apps.map((a) => [a.app, a.cluster]), [[cfg.name, current]]);
  assert.deepEqual(doc.failed.map((f) => f.cluster), ['gd-e2e-down']);
});

test('status: a branch that moved on since the deploy says how many commits behind the app is, and a rewritten one says so', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo(`status-behind-${suffix()}`);
  const deployed = await r.commit({ 'cm.yaml': configMap(r.name, '1') }, 'one');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  assert.equal((await statusJSON(c, '--app', r.name)).get(r.name)!.upstream, undefined, 'main is where the app is');

  await r.commit({ 'cm.yaml': configMap(r.name, '2') }, 'two');
  const head = await r.commit({ 'cm.yaml': configMap(r.name, '3') }, 'three');
  const behind = (await statusJSON(c, '--app', r.name)).get(r.name)!;
  assert.deepEqual(behind.upstream, { ref: 'main', sha: head, behind: 2 });
  assert.equal(behind.sync.status, 'Synced', 'the cluster still matches the commit it was deployed from');
  assert.equal(behind.source?.sha, deployed);
  assert.equal(behind.message, `main is 2 commits ahead, at ${head.slice(0, 7)}: the next sync deploys them`);
  assert.match(await tableRow(c, r.name), new RegExp(`\\s+main@${deployed.slice(0, 7)} \\(2 behind\\)\\s+Synced\\s+Healthy\\s+`));

  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  const caughtUp = (await statusJSON(c, '--app', r.name)).get(r.name)!;
  assert.deepEqual([caughtUp.upstream, caughtUp.source?.sha, caughtUp.message], [undefined, head, undefined]);

  // Someone amends the deployed commit and force-pushes: main has one commit, which is not on top of it.
  const amended = await git(r.remote, 'commit-tree', `${head}^{tree}`, '-p', `${head}^`, '-m', 'three, amended');
  await git(r.remote, 'update-ref', 'refs/heads/main', amended);
  const rewritten = (await statusJSON(c, '--app', r.name)).get(r.name)!;
  assert.deepEqual(rewritten.upstream, { ref: 'main', sha: amended, behind: 1, rewritten: true });
  assert.equal(rewritten.message, `main was rewritten and is now at ${amended.slice(0, 7)}, which does not contain the deployed commit: the next sync deploys it`);
  assert.match(await tableRow(c, r.name), new RegExp(`\\s+main@${head.slice(0, 7)} \\(rewritten\\)\\s+Synced\\s+`));
  // Or resets it to an older commit.
  await git(r.remote, 'update-ref', 'refs/heads/main', deployed);
  assert.deepEqual((await statusJSON(c, '--app', r.name)).get(r.name)!.upstream, { ref: 'main', sha: deployed, behind: 0, rewritten: true });
});
