// `gdeploy sync` with a commit whose rollout cannot succeed: --dry-run shows it
// and changes nothing; --rollback-on-failure puts the previous revision back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitopsSuite, helloWorldFlask, image } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('a failing rollout: --dry-run changes nothing, --rollback-on-failure puts the previous revision back (exit 3)', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('failing');
  const good = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'failing' }) }, 'good');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  // Images on a `.invalid` registry never pull: ImagePullBackOff.
  const bad = await r.commit({
    'deployment.yaml': helloWorldFlask('v1', { name: 'failing' }).replace('lyzhang1999/hello-world-flask:v1', 'registry.invalid/hello-world-flask:v2'),
  }, 'bad image');

  const dry = await c.gdeploy(['sync', '--repo', r.remote, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /deployment\.apps\/failing configured \(server dry run\)/);
  assert.match(dry.stdout, new RegExp(`would deploy main@sha1:${bad}`));
  assert.equal(await image(c, 'failing'), 'lyzhang1999/hello-world-flask:latest');

  const res = await c.gdeploy(['sync', '--repo', r.remote, '--rollback-on-failure']);
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, /rolling back to revision 1 \(main@sha1:/);
  assert.match(res.stderr, new RegExp(`main@sha1:${bad} \\(revision 2\\) rolled back: .*(ImagePullBackOff|ErrImagePull)`));
  assert.equal(await image(c, 'failing'), 'lyzhang1999/hello-world-flask:latest');
  assert.equal((await c.must('deployment/failing')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${good}`);

  const h = JSON.parse((await c.gdeploy(['history', '--app', 'failing', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { result: string }) => x.result), ['rolled back', 'succeeded']);
});

const MISSING = 'registry.invalid/hello-world-flask:v2';

test('--rollback-on-failure puts back the revision the failed sync replaced, not an older one', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('replaced');
  await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'replaced' }) }, 'latest');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  const v1 = await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { name: 'replaced' }) }, 'v1');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { name: 'replaced' }).replace('lyzhang1999/hello-world-flask:v1', MISSING) }, 'bad');

  const res = await c.gdeploy(['sync', '--repo', r.remote, '--rollback-on-failure']);
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, new RegExp(`rolling back to revision 2 \\(main@sha1:${v1}\\)`));
  assert.equal(await image(c, 'replaced'), 'lyzhang1999/hello-world-flask:v1');
  assert.equal((await c.must('deployment/replaced')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${v1}`);
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'replaced', '-o', 'json'])).stdout);
  assert.match(h.revisions[0].reason, /put back revision 2 \(succeeded\)$/);
});

test('--rollback-on-failure puts back a revision applied from files as it was', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('handmade');
  await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'handmade' }) }, 'latest');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  // A hot fix applied from a laptop, outside git: revision 2 has no commit to go back to.
  const file = join(r.root, 'hotfix.yaml');
  await writeFile(file, helloWorldFlask('v1', { name: 'handmade' }));
  const applied = await c.gdeploy(['apply', '-f', file, '--app', 'handmade']);
  assert.equal(applied.code, 0, applied.stderr);
  await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { name: 'handmade' }).replace('lyzhang1999/hello-world-flask:v1', MISSING) }, 'bad');

  const res = await c.gdeploy(['sync', '--repo', r.remote, '--rollback-on-failure']);
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, /rolling back to revision 2 \(apply of /);
  assert.equal(await image(c, 'handmade'), 'lyzhang1999/hello-world-flask:v1');
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'handmade', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { result: string }) => x.result), ['rolled back', 'succeeded', 'succeeded']);
  assert.match(h.revisions[0].reason, /put back revision 2 \(succeeded\)$/);
});
