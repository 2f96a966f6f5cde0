// `gdeploy rollback`: back to an earlier commit through the engine (prune
// included), recorded in the history, and pinned until the branch moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitopsSuite, image, syncedTutorial } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('rollback <first sha> puts :latest back (prune included), pins the app, and history shows three revisions', async (t) => {
  const c = await suite.cluster(t);
  const { r, first, second } = await syncedTutorial(suite, c, 'rb-tutorial');
  assert.equal(await c.get('configmap/rb-tutorial-extra'), undefined);

  const back = await c.gdeploy(['rollback', first.slice(0, 8), '--app', 'rb-tutorial']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, new RegExp(`deployed main@sha1:${first} \\(revision 3\\)`));
  assert.match(back.stderr, /rolled out/);
  assert.doesNotMatch(back.stderr, /configmap\/rb-tutorial-extra rolled out/, 'a ConfigMap is current as written: not waited for, nothing said');
  assert.match(back.stderr, new RegExp(`pinned: main still points at ${second.slice(0, 12)}; .*new commit lands on main.*sync --repo ${r.remote.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} --unpin`));
  assert.equal(await image(c, 'rb-tutorial'), 'lyzhang1999/hello-world-flask:latest');
  assert.ok(await c.get('configmap/rb-tutorial-extra'), 'the object of the old commit is back');
  assert.equal(await r.head(), second, 'git is untouched');

  const h = await c.gdeploy(['history', '--app', 'rb-tutorial']);
  assert.equal(h.code, 0, h.stderr);
  const rows = h.stdout.trim().split('\n');
  assert.match(rows[0]!, /^REVISION\s+UPDATED\s+STATUS\s+ACTION\s+COMMIT\s+BY\s+DESCRIPTION$/);
  assert.equal(rows.length, 4);
  assert.match(rows[1]!, new RegExp(`^3\\s.*succeeded\\s+rollback to 1\\s+main@sha1:${first.slice(0, 12)}\\s.*latest$`));
  assert.match(rows[2]!, new RegExp(`^2\\s.*succeeded\\s+sync\\s+main@sha1:${second.slice(0, 12)}\\s.*v1$`));
  assert.match(rows[3]!, new RegExp(`^1\\s.*succeeded\\s+sync\\s+main@sha1:${first.slice(0, 12)}`));
  assert.match(h.stderr, /pinned by revision 3/);
  assert.ok(h.stderr.includes(`'gdeploy sync --repo ${r.remote} --unpin'`), 'the pin line gives the command that ends it, repository included');

  // The pin holds for a sync of the unchanged branch...
  const pinned = await c.gdeploy(['sync', '--repo', r.remote]);
  assert.equal(pinned.code, 0, pinned.stderr);
  assert.match(pinned.stderr, /pinned: rb-tutorial stays at main@sha1:/);
  assert.equal(await image(c, 'rb-tutorial'), 'lyzhang1999/hello-world-flask:latest');
  // ...until --unpin.
  const unpinned = await c.gdeploy(['sync', '--repo', r.remote, '--unpin']);
  assert.equal(unpinned.code, 0, unpinned.stderr);
  assert.match(unpinned.stderr, /unpinned: --unpin/);
  assert.equal(await image(c, 'rb-tutorial'), 'lyzhang1999/hello-world-flask:v1');

  // No argument: the previous succeeded revision.
  const previous = await c.gdeploy(['rollback', '--app', 'rb-tutorial', '-o', 'json']);
  assert.equal(previous.code, 0, previous.stderr);
  const doc = JSON.parse(previous.stdout);
  assert.equal(doc.sha, first);
  assert.equal(doc.result, 'succeeded');
});
