// `gdeploy sync`: prune follows the repository, and a broken commit changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_KUBECTL, gitopsSuite, helloWorldFlask, image } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('a file deleted in git is pruned; an object outside the app is never touched', { skip: NO_KUBECTL }, async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('pruning');
  await r.commit({
    'app/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n',
    'app/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  b: "2"\n',
    'README.md': 'not a manifest\n',
  });
  const bystander = await c.kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bystander\ndata:\n  x: \"y\"\n');
  assert.equal(bystander.code, 0, bystander.stderr);
  const one = await c.gdeploy(['sync', '--repo', r.remote, '--path', 'app']);
  assert.equal(one.code, 0, one.stderr);
  assert.ok(await c.get('configmap/extra'));

  await r.commit({ 'app/extra.yaml': null }, 'drop extra');
  const two = await c.gdeploy(['sync', '--repo', r.remote, '--path', 'app/']);
  assert.equal(two.code, 0, two.stderr);
  assert.match(two.stdout, /configmap\/extra pruned/);
  assert.equal(await c.get('configmap/extra'), undefined);
  assert.ok(await c.get('configmap/web'));
  assert.ok(await c.get('configmap/bystander'), 'an object that is not the app\'s stays');

  // --no-prune keeps what left the repository.
  await r.commit({ 'app/web.yaml': null, 'app/other.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n' });
  const three = await c.gdeploy(['sync', '--repo', r.remote, '--path', 'app', '--no-prune']);
  assert.equal(three.code, 0, three.stderr);
  assert.ok(await c.get('configmap/web'));
});

test('a commit with invalid YAML applies nothing: the previous revision keeps running and history records the failure', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('broken');
  const good = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'broken' }) });
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  const bad = await r.commit({
    'deployment.yaml': helloWorldFlask('v1', { name: 'broken' }),
    'zz-broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n',
  }, 'broken yaml');
  const res = await c.gdeploy(['sync', '--repo', r.remote]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`main@sha1:${bad} \\(revision 2\\) failed: .*${bad.slice(0, 7)}:zz-broken\\.yaml`));
  assert.equal(await image(c, 'broken'), 'lyzhang1999/hello-world-flask:latest');
  assert.equal((await c.must('deployment/broken')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${good}`);
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'broken', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { result: string }) => x.result), ['failed', 'succeeded']);
  assert.match(h.revisions[0].reason, /zz-broken\.yaml/);
});
