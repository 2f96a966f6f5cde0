// Drift that says what and who: a sync at the commit already deployed puts
// back what was changed by hand and prints each field with its live and git
// values and the field manager that changed it, recording a `drift` revision;
// `--drift report` only says so and leaves the hot fix in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helloWorld } from './apply-harness.js';
import { SKIP_WITHOUT_KUBECTL, cluster, type Cluster } from '../helpers/cluster.js';
import { makeRepo, type TempRepo } from '../helpers/gitrepo.js';

/** The tutorial's Deployment as app `<prefix>-<random>` in a repository of its own, synced once. */
async function syncedApp(c: Cluster, t: { after: (fn: () => Promise<void>) => void }, prefix: string) {
  const app = `${prefix}-${randomBytes(3).toString('hex')}`;
  const r: TempRepo = await makeRepo({ name: app });
  t.after(() => r.cleanup());
  const manifest = helloWorld('lyzhang1999/hello-world-flask:latest', 1).replaceAll('hello-world-flask', app).replace(`lyzhang1999/${app}`, 'lyzhang1999/hello-world-flask');
  await r.commit({ 'deploy/app.yaml': manifest });
  const sync = (...extra: string[]) => c.gdeploy(['sync', '--repo', r.remote, '--path', 'deploy', '--app', app, '--no-wait', ...extra]);
  const first = await sync();
  assert.equal(first.code, 0, first.stderr);
  return { app, r, sync };
}

test('a hot fix is reported with the field, both values and who made it; report leaves it, correct puts it back and records it', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, sync } = await syncedApp(c, t, 'drift');

  const hotfix = await c.kubectl(['set', 'image', `deployment/${app}`, `${app}=lyzhang1999/hello-world-flask:hotfix`]);
  assert.equal(hotfix.code, 0, hotfix.stderr);
  const field = `spec.template.spec.containers[${app}].image: lyzhang1999/hello-world-flask:hotfix -> lyzhang1999/hello-world-flask:latest (kubectl-set)`;

  const report = await sync('--drift', 'report');
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stderr, new RegExp(`^drift: deployment\\.apps/${app} differs from main@sha1:[0-9a-f]{40} \\(not put back: --drift report\\)$`, 'm'));
  assert.ok(report.stderr.includes(`  ${field}`), report.stderr);
  const image = async () => (await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image;
  assert.equal(await image(), 'lyzhang1999/hello-world-flask:hotfix', 'the hot fix stays');
  const json = JSON.parse((await sync('--drift', 'report', '-o', 'json')).stdout);
  assert.deepEqual(json.drift, [
    {
      subject: `Deployment/${c.ns}/${app}`,
      action: 'configured',
      corrected: false,
      fields: [{ path: `spec.template.spec.containers[${app}].image`, live: 'lyzhang1999/hello-world-flask:hotfix', desired: 'lyzhang1999/hello-world-flask:latest', managers: ['kubectl-set'] }],
    },
  ]);

  const corrected = await sync();
  assert.equal(corrected.code, 0, corrected.stderr);
  assert.match(corrected.stderr, new RegExp(`^drift corrected: deployment\\.apps/${app} configured back to main@sha1:`, 'm'));
  assert.ok(corrected.stderr.includes(`  ${field}`), corrected.stderr);
  assert.match(corrected.stdout, /^drift corrected at main@sha1:[0-9a-f]{40} \(revision 2\)$/m);
  assert.equal(await image(), 'lyzhang1999/hello-world-flask:latest', 'git wins');

  const history = await c.gdeploy(['history', '--app', app]);
  assert.match(history.stdout, new RegExp(`^2 .* succeeded +drift +main@sha1:\\w+ .* drift corrected: deployment\\.apps/${app}: ${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const quiet = await sync();
  assert.equal(quiet.code, 0);
  assert.doesNotMatch(quiet.stderr, /drift/);
  assert.doesNotMatch((await c.gdeploy(['history', '--app', app])).stdout, /^3 /m, 'nothing more to record');
});

test('set-image on an app that follows git warns before it writes, is recorded as not in git, and the next sync puts it back saying so', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r, sync } = await syncedApp(c, t, 'hotfix');

  const hotfix = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=lyzhang1999/hello-world-flask:v1`, '--no-wait', '-o', 'json']);
  assert.equal(hotfix.code, 0, hotfix.stderr);
  assert.match(
    hotfix.stderr,
    new RegExp(`^Warning: deployment/${app} belongs to app ${app}, which follows ${r.remote.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(branch main, path deploy\\): this change is not in git, and the next sync of ${app} puts it back unless it is committed there$`, 'm'),
  );
  assert.deepEqual(JSON.parse(hotfix.stdout).apps.map((a: { app: string; inGit: boolean }) => [a.app, a.inGit]), [[app, false]]);
  const history = await c.gdeploy(['history', '--app', app]);
  assert.match(history.stdout, new RegExp(`^2 .* succeeded +set-image .* ${app}: lyzhang1999/hello-world-flask:latest -> lyzhang1999/hello-world-flask:v1 \\(not in git: the next sync puts it back\\)$`, 'm'));

  const back = await sync();
  assert.equal(back.code, 0, back.stderr);
  assert.ok(back.stderr.includes(`  spec.template.spec.containers[${app}].image: lyzhang1999/hello-world-flask:v1 -> lyzhang1999/hello-world-flask:latest (gdeploy)`), back.stderr);
  assert.match(back.stdout, /^drift corrected at main@sha1:\w+ \(revision 3\)$/m);
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, 'lyzhang1999/hello-world-flask:latest');
});

test('edit on an app that follows git warns before it writes and is recorded with the fields it changed', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, sync } = await syncedApp(c, t, 'edited');
  // An edit is refused when the object changed while it was open; a rollout in progress changes it.
  await c.rolledOut(`deployment/${app}`);
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-editor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'editor.mjs');
  writeFileSync(script, "import { readFileSync, writeFileSync } from 'node:fs';\nconst f = process.argv.at(-1);\nwriteFileSync(f, readFileSync(f, 'utf8').replace(/^  replicas: 1$/m, '  replicas: 3'));\n");
  const edit = await c.gdeploy(['edit', `deployment/${app}`, '--no-wait'], { env: { KUBE_EDITOR: `"${process.execPath}" "${script}"` } });
  assert.equal(edit.code, 0, edit.stderr);
  assert.match(edit.stderr, new RegExp(`^Warning: deployment/${app} belongs to app ${app}, which follows .* \\(branch main, path deploy\\): this change is not in git`, 'm'));
  assert.equal((await c.get(`deployment/${app}`))?.spec.replicas, 3);
  const history = await c.gdeploy(['history', '--app', app]);
  assert.match(history.stdout, new RegExp(`^2 .* succeeded +edit .* ${app}: spec\\.replicas: 1 -> 3 \\(not in git: the next sync puts it back\\)$`, 'm'));
  const back = await sync();
  assert.ok(back.stderr.includes('  spec.replicas: 3 -> 1 (gdeploy-edit)'), back.stderr);
});
