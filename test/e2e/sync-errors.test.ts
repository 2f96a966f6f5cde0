// `gdeploy sync`: input that cannot be deployed is refused with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('bad input: unknown ref, unreachable repo, missing path, escaping path, option-like repo', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('bad-input');
  await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-input\n' });

  const ref = await c.gdeploy(['sync', '--repo', r.remote, '--ref', 'deadbeefcafe']);
  assert.equal(ref.code, 1);
  assert.match(ref.stderr, /commit deadbeefcafe does not exist/);

  const branch = await c.gdeploy(['sync', '--repo', r.remote, '--branch', 'nope']);
  assert.equal(branch.code, 1);
  assert.match(branch.stderr, /branch "nope" does not exist .*\n.*branches: main/);

  const unreachable = await c.gdeploy(['sync', '--repo', '/nonexistent/repo.git', '--app', 'x']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach repository \/nonexistent\/repo\.git/);

  const path = await c.gdeploy(['sync', '--repo', r.remote, '--path', 'deploy/prod']);
  assert.equal(path.code, 1);
  assert.match(path.stderr, /path "deploy\/prod" does not exist in commit [0-9a-f]{12}/);

  const escape = await c.gdeploy(['sync', '--repo', r.remote, '--path', '../..']);
  assert.equal(escape.code, 2);
  assert.match(escape.stderr, /leaves the repository/);

  const option = await c.gdeploy(['sync', '--repo=--upload-pack=touch /tmp/gdeploy-pwned', '--app', 'x']);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /would be read as a git option/);
  const optionRef = await c.gdeploy(['sync', '--repo', r.remote, '--ref=--output=/tmp/x']);
  assert.equal(optionRef.code, 2);

  const both = await c.gdeploy(['sync', '--repo', r.remote, '--branch', 'main', '--ref', 'v1']);
  assert.equal(both.code, 2);
});
