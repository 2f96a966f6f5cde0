// `gdeploy sync --repo`: the tutorial's GitOps flow against real git
// repositories, served as a path, by git daemon and by smart HTTP with a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitopsSuite, helloWorldFlask, image, serveGitDaemon, serveSmartHttp } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('the tutorial: sync deploys :latest, then the :v1 commit rolls out; objects carry the revision', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo();
  const first = await r.commit({ 'deployment.yaml': helloWorldFlask('latest') }, 'hello-world-flask :latest');
  // A user's editor and pager (npm run sets EDITOR) must not stop git from running.
  const interactive = { EDITOR: 'vi', VISUAL: 'vi', PAGER: 'less', GIT_EDITOR: 'vi', GIT_PAGER: 'less', GIT_SEQUENCE_EDITOR: 'vi' };
  const one = await c.gdeploy(['sync', '--repo', r.remote, '--branch', 'main', '--path', './'], { env: interactive });
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /deployment\.apps\/hello-world-flask created/);
  assert.match(one.stdout, new RegExp(`deployed main@sha1:${first} \\(revision 1\\)`));
  assert.equal(await image(c), 'lyzhang1999/hello-world-flask:latest');
  const deployment = await c.must('deployment/hello-world-flask');
  assert.equal(deployment.metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${first}`);
  assert.equal(deployment.metadata.labels?.['gdeploy.dev/app'], 'hello-world-flask');
  assert.equal(deployment.status.readyReplicas, 2);

  const second = await r.commit({ 'deployment.yaml': helloWorldFlask('v1') }, 'release v1');
  const two = await c.gdeploy(['sync', '--repo', `file://${r.remote}`]);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stdout, new RegExp(`deployed main@sha1:${second} \\(revision 2\\)`));
  assert.match(two.stderr, /rolled out/);
  assert.equal(await image(c), 'lyzhang1999/hello-world-flask:v1');
  const live = await c.must('deployment/hello-world-flask');
  assert.equal(live.status.updatedReplicas, 2);

  // Nothing new on the branch: no new revision.
  const again = await c.gdeploy(['sync', '--repo', r.remote, '-o', 'json']);
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout);
  assert.equal(doc.kind, 'Release');
  assert.equal(doc.revision, `main@sha1:${second}`);
  assert.equal(doc.number, undefined);
});

test('git daemon and smart HTTP with a token; a wrong token fails clearly and the token is never shown or stored', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('served');
  const sha = await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: served\ndata:\n  k: v\n' });
  const daemon = await serveGitDaemon(r.root);
  const token = `ghp_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const http = await serveSmartHttp(r.root, token);
  try {
    const viaDaemon = await c.gdeploy(['sync', '--repo', daemon.url('served'), '--app', 'via-daemon', '-n', c.ns]);
    assert.equal(viaDaemon.code, 0, viaDaemon.stderr);
    assert.match(viaDaemon.stdout, new RegExp(`main@sha1:${sha}`));

    const wrong = await c.gdeploy(['sync', '--repo', http.url('served'), '--app', 'via-http'], { env: { GDEPLOY_GIT_TOKEN: 'not-the-token-123' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /authentication failed for http:\/\/127\.0\.0\.1:\d+\/served\.git/);
    assert.ok(!(wrong.stdout + wrong.stderr).includes('not-the-token-123'));

    const ok = await c.gdeploy(['sync', '--repo', http.url('served'), '--app', 'via-http'], { env: { GDEPLOY_GIT_TOKEN: token } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!(ok.stdout + ok.stderr).includes(token), 'the token is not printed');
    assert.ok(http.seen.every((l) => !l.includes(token)), 'the token is not in any URL');
    // Whatever gdeploy wrote, it wrote in the test's namespace.
    const written = await c.kubectl(['get', 'configmaps,secrets,leases,events', '-o', 'json']);
    assert.equal(written.code, 0, written.stderr);
    const everything = written.stdout;
    assert.ok(!everything.includes(token), 'the token is not stored in the cluster');
    assert.ok(!everything.includes(Buffer.from(`x-access-token:${token}`).toString('base64')));
    const h = await c.gdeploy(['history', '--app', 'via-http', '-o', 'json']);
    assert.equal(JSON.parse(h.stdout).revisions[0].source, http.url('served'));
  } finally {
    await daemon.close();
    await http.close();
  }
});

test('an object a commit does not change stays unchanged and keeps the revision that last changed it', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('steady');
  const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: steady\nspec:\n  selector:\n    app: steady\n  ports:\n  - port: 80\n    targetPort: 5000\n';
  const first = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'steady' }), 'service.yaml': service }, 'latest');
  const one = await c.gdeploy(['sync', '--repo', r.remote]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /service\/steady created/);

  for (const tag of ['v1', 'latest']) {
    const sha = await r.commit({ 'deployment.yaml': helloWorldFlask(tag, { name: 'steady' }) }, tag);
    const res = await c.gdeploy(['sync', '--repo', r.remote]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /deployment\.apps\/steady configured/);
    assert.match(res.stdout, /service\/steady unchanged/);
    assert.equal((await c.must('deployment/steady')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${sha}`);
    assert.equal((await c.must('service/steady')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${first}`);
  }

  // The same Service from a file: no difference to show, although the file has no revision annotation.
  const file = join(r.root, 'service.yaml');
  await writeFile(file, service);
  const diff = await c.gdeploy(['diff', '-f', file, '--app', 'steady']);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
  assert.doesNotMatch(diff.stdout, /gdeploy\.dev\/revision/);
});
