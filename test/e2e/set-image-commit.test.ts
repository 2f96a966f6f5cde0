// `set-image --commit`: the image goes into the manifests in git first (only
// that value changes, byte for byte everywhere else), pushed without force,
// then sync deploys that commit. A push that loses a race is made again on the
// new head; a refused push changes nothing in the cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helloWorld } from './apply-harness.js';
import { LATEST, V1, assertRevertedInGit, assertSyncedCommit, syncedApp } from './set-image-harness.js';
import { SKIP_WITHOUT_KUBECTL, cluster } from '../helpers/cluster.js';
import { git, makeRepo, serveSmartHttp } from '../helpers/gitrepo.js';

test('set-image --commit changes exactly the image line in git, deploys that commit, and a second sync changes nothing', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r, file, sync } = await syncedApp(c, t, 'commit');
  const before = await r.head();

  const set = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${V1}`, '--commit', '--timeout', '2m']);
  assert.equal(set.code, 0, set.stderr);
  const after = await r.head();
  assert.notEqual(after, before, 'a new commit on the branch');
  assert.deepEqual(await r.parents(after), [before], 'on top of the head, no force-push');
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', after), `Set image of deployment/${app}: ${app}=${V1}`);
  const diff = (await git(r.remote, 'diff', '--unified=0', before, after)).split('\n').filter((l) => /^[-+][^-+]/.test(l));
  assert.deepEqual(diff, [`-        image: ${LATEST}   # bumped by CI`, `+        image: ${V1}   # bumped by CI`]);
  assert.equal(await git(r.remote, 'show', `${after}:deploy/app.yaml`), file.replace(LATEST, V1).trimEnd(), 'everything else byte for byte');
  assert.match(set.stderr, new RegExp(`^committed ${after.slice(0, 12)} to main of `, 'm'));

  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, V1, 'the cluster runs the commit');
  await assertSyncedCommit(c, app, after, `Set image of deployment/${app}`, sync);
});

test('a push that loses a race is made again on the new head; a refused push leaves the cluster as it was', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'race');
  // The first push finds that someone else pushed a commit just before it.
  const hook = join(r.remote, 'hooks', 'pre-receive');
  const marker = join(r.root, 'raced');
  writeFileSync(
    hook,
    // Outside the push's quarantine, as another pusher would be.
    `#!/bin/sh\nif [ ! -e '${marker}' ]; then\n  touch '${marker}'\n  unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n` +
      `  tree=$(git rev-parse main^{tree})\n  other=$(echo 'someone else' | git commit-tree "$tree" -p main)\n  git update-ref refs/heads/main "$other"\n  echo 'rejected: the branch moved' >&2\n  exit 1\nfi\n`,
  );
  chmodSync(hook, 0o755);
  const raced = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${V1}`, '--commit', '--no-sync']);
  assert.equal(raced.code, 0, raced.stderr);
  const head = await r.head();
  const [parent] = await r.parents(head);
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', parent!), 'someone else', "the other commit is kept, ours is on top of it");
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', head), `Set image of deployment/${app}: ${app}=${V1}`);
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, LATEST, '--no-sync: the cluster is left to the reconciler');

  // A protected branch: every push refused.
  writeFileSync(hook, "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n");
  const refused = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=lyzhang1999/hello-world-flask:v2`, '--commit']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /pushing to main of .* failed.*nothing was changed in the cluster/s);
  assert.match(refused.stderr, /protected branch/);
  assert.equal(await r.head(), head, 'nothing pushed');
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, LATEST);
});

test('an object no manifest defines is an error naming the files searched; nothing is committed', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'missing');
  const before = await r.head();
  await c.create(helloWorld(LATEST, 1).replaceAll('hello-world-flask', 'stray').replace('lyzhang1999/stray', 'lyzhang1999/hello-world-flask'));
  const r2 = await c.gdeploy(['set-image', 'deployment/stray', `stray=${V1}`, '--commit', '--repo', r.remote, '--path', 'deploy', '--branch', 'main']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /deployment\/stray: no manifest under path "deploy" of .* at main defines it; nothing was committed/);
  assert.match(r2.stderr, /searched: deploy\/app\.yaml/);
  // An object the cluster does not have: the error says where it was looked for, and why the cluster is asked.
  const absent = await c.gdeploy(['set-image', 'deployment/absent', `absent=${V1}`, '--commit', '--repo', r.remote, '--path', 'deploy', '--branch', 'main', '--no-sync']);
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, new RegExp(`deployments\\.apps "absent" not found in namespace ${c.ns} of context \\S+`));
  assert.match(absent.stderr, /set-image --commit reads the object from the cluster to find its containers/);
  assert.equal(await r.head(), before);
  void app;
});

test('an image git has already is not committed again; the head is deployed', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'same');
  const before = await r.head();
  const same = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${LATEST}`, '--commit', '--no-wait']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /has these images already at \w+: nothing to commit/);
  assert.equal(await r.head(), before);
});

test('--rollback-on-failure with --commit: a failed rollout puts the previous revision back live and a revert commit on the branch', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'revert');
  const before = await r.head();
  const bad = 'registry.invalid/hello-world-flask:v2';
  const set = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${bad}`, '--commit', '--rollback-on-failure', '--timeout', '2m']);
  await assertRevertedInGit(c, r, app, before, `Set image of deployment/${app}: ${app}=${bad}`, set);
});

test('a kustomization gets the image in its images: list, as kustomize edit set image does; the resources stay untouched', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const app = `kust-${randomBytes(3).toString('hex')}`;
  const r = await makeRepo({ name: app });
  t.after(() => r.cleanup());
  const deployment = helloWorld(LATEST, 1).replaceAll('hello-world-flask', app).replace(`lyzhang1999/${app}:latest`, 'lyzhang1999/hello-world-flask');
  const kustomization = `# rendered by kubectl kustomize\nresources:\n  - deployment.yaml\nimages:\n  - name: lyzhang1999/hello-world-flask\n    newTag: latest   # the release\n`;
  const before = await r.commit({ 'deploy/deployment.yaml': deployment, 'deploy/kustomization.yaml': kustomization });
  const sync = await c.gdeploy(['sync', '--repo', r.remote, '--path', 'deploy', '--app', app, '--no-wait']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, LATEST);

  const set = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${V1}`, '--commit', '--timeout', '2m']);
  assert.equal(set.code, 0, set.stderr);
  const after = await r.head();
  assert.equal(await git(r.remote, 'diff', '--name-only', before, after), 'deploy/kustomization.yaml');
  const changed = await git(r.remote, 'show', `${after}:deploy/kustomization.yaml`);
  assert.match(changed, /^images:\n  - name: lyzhang1999\/hello-world-flask\n    newTag: v1/m);
  assert.match(changed, /^# rendered by kubectl kustomize$/m, 'comments kept');
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, V1);
});

test('over smart HTTP with a token: set-image --commit pushes and deploys, the token never shows; a wrong token changes nothing', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const app = `http-${randomBytes(3).toString('hex')}`;
  const r = await makeRepo({ name: app });
  t.after(() => r.cleanup());
  await r.commit({ 'deploy/app.yaml': helloWorld(LATEST, 1).replaceAll('hello-world-flask', app).replace(`lyzhang1999/${app}:latest`, LATEST) });
  const token = `ghp_${randomBytes(12).toString('hex')}`;
  const http = await serveSmartHttp(r.root, token);
  t.after(() => http.close());
  const url = http.url(app);
  const env = { GDEPLOY_GIT_TOKEN: token };
  const sync = await c.gdeploy(['sync', '--repo', url, '--path', 'deploy', '--app', app, '--no-wait'], { env });
  assert.equal(sync.code, 0, sync.stderr);
  const before = await r.head();

  const wrong = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${V1}`, '--commit'], { env: { GDEPLOY_GIT_TOKEN: 'not-the-token-456' } });
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /authentication failed for http:\/\/127\.0\.0\.1:\d+\//);
  assert.ok(!(wrong.stdout + wrong.stderr).includes('not-the-token-456'));
  assert.equal(await r.head(), before, 'nothing pushed');
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, LATEST, 'the cluster is unchanged');

  const set = await c.gdeploy(['set-image', `deployment/${app}`, `${app}=${V1}`, '--commit', '--timeout', '2m'], { env });
  assert.equal(set.code, 0, set.stderr);
  const after = await r.head();
  assert.deepEqual(await r.parents(after), [before]);
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', after), `Set image of deployment/${app}: ${app}=${V1}`);
  assert.equal((await c.get(`deployment/${app}`))?.spec.template.spec.containers[0].image, V1);
  assert.ok(!(set.stdout + set.stderr).includes(token), 'the token is not printed');
  assert.ok(http.seen.every((l) => !l.includes(token)), 'the token is not in any URL');
  assert.ok(http.seen.some((l) => l.startsWith('POST') && l.includes('git-receive-pack')), 'pushed over smart HTTP');
});
