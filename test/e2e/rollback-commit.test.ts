// `gdeploy rollback --commit`: the rollback as a fast-forward commit on the
// branch; and targets that cannot be rolled back to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { git, gitopsSuite, image, syncedTutorial } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('rollback --commit pushes a commit with the old tree on top of the branch, never a force-push', async (t) => {
  const c = await suite.cluster(t);
  const { r, first, second } = await syncedTutorial(suite, c, 'rb-commit');
  const res = await c.gdeploy(['rollback', first, '--app', 'rb-commit', '--commit']);
  assert.equal(res.code, 0, res.stderr);
  const head = await r.head();
  assert.notEqual(head, second);
  assert.deepEqual(await r.parents(head), [second], 'the branch moved forward: the old head is the parent');
  assert.equal(await r.tree(head), await r.tree(first), 'with the tree of the first commit');
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', head), `Roll back to ${first}`);
  assert.match(res.stderr, new RegExp(`pushed ${head.slice(0, 12)} "Roll back to ${first}" to main`));
  assert.equal(await image(c, 'rb-commit'), 'lyzhang1999/hello-world-flask:latest');
  assert.equal((await c.must('deployment/rb-commit')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${head}`);
  // The branch and the cluster agree, so nothing is pinned and a sync has nothing to do.
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'rb-commit', '-o', 'json'])).stdout);
  assert.equal(h.pinned, undefined);
  const sync = await c.gdeploy(['sync', '--repo', r.remote, '-o', 'json']);
  assert.equal(JSON.parse(sync.stdout).number, undefined);
});

test('an unknown sha, a sha off the branch and a missing app are errors that list what there is', async (t) => {
  const c = await suite.cluster(t);
  const { r } = await syncedTutorial(suite, c, 'rb-errors');
  const unknown = await c.gdeploy(['rollback', 'deadbeef', '--app', 'rb-errors']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /commit deadbeef does not exist in /);
  assert.match(unknown.stderr, /recent revisions:\n\s+2\s+[0-9a-f]{12}\s+succeeded\s+v1\n\s+1\s+[0-9a-f]{12}\s+succeeded\s+latest/);

  await git(r.work, 'checkout', '--quiet', '-b', 'side');
  await git(r.work, 'commit', '--quiet', '--allow-empty', '-m', 'side only');
  await git(r.work, 'push', '--quiet', 'origin', 'side');
  const side = await git(r.work, 'rev-parse', 'HEAD');
  const off = await c.gdeploy(['rollback', side, '--app', 'rb-errors']);
  assert.equal(off.code, 1);
  assert.match(off.stderr, new RegExp(`commit ${side.slice(0, 12)} is not on branch main`));

  const noApp = await c.gdeploy(['rollback', '--app', 'never-deployed']);
  assert.equal(noApp.code, 2);
  assert.match(noApp.stderr, /has no revision deployed from git/);

  const option = await c.gdeploy(['rollback', '--app', 'rb-errors', '--', '--upload-pack=x']);
  assert.equal(option.code, 2);
  assert.equal(await image(c, 'rb-errors'), 'lyzhang1999/hello-world-flask:v1', 'nothing changed');
});
