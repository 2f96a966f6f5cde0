// `gdeploy sync --watch`: the tutorial with nobody running sync by hand. New
// commits are picked up by polling, a hand-made change is put back by the next
// pass, a rollback pins the app until the branch moves, and a signal ends the
// loop with 130/143.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { NO_KUBECTL, gitopsSuite, helloWorldFlask, type TempRepo } from '../helpers/gitrepo.js';

const suite = gitopsSuite();
let r: TempRepo;
before(async () => {
  r = await suite.repo();
});

test('the tutorial under --watch --interval 1s: commits, drift, rollback pin, new commit, SIGINT', { skip: NO_KUBECTL }, async (t) => {
  const c = await suite.cluster(t);
  const deployment = () => c.get('deployment/hello-world-flask');
  const first = await r.commit({ 'deployment.yaml': helloWorldFlask('latest') }, 'latest');
  const w = c.spawn(['sync', '--repo', r.remote, '--branch', 'main', '--path', './', '--watch', '--interval', '1s']);

  await w.waitFor(new RegExp(`deployed main@sha1:${first} \\(revision 1\\)`));
  assert.equal((await deployment())?.spec.template.spec.containers[0]?.image, 'lyzhang1999/hello-world-flask:latest');

  // A push is picked up without anyone running sync.
  let mark = w.output().length;
  const second = await r.commit({ 'deployment.yaml': helloWorldFlask('v1') }, 'v1');
  await w.waitFor(new RegExp(`deployed main@sha1:${second} \\(revision 2\\)`), mark);
  assert.equal((await deployment())?.spec.template.spec.containers[0]?.image, 'lyzhang1999/hello-world-flask:v1');
  assert.equal((await deployment())?.status?.updatedReplicas, 2, 'the new revision rolled out before it was reported');

  // A hand-made change is put back by the next pass, and the watch says so.
  mark = w.output().length;
  const scaled = await c.kubectl(['scale', 'deployment/hello-world-flask', '--replicas=5']);
  assert.equal(scaled.code, 0, scaled.stderr);
  await w.waitFor(new RegExp(`drift corrected: deployment\\.apps/hello-world-flask configured back to main@sha1:${second}`), mark);
  // What was put back and who had changed it; history gets a revision of its own for it.
  await w.waitFor(/ {2}spec\.replicas: 5 -> 2 \(kubectl[\w-]*\)$/m, mark);
  await w.waitFor(new RegExp(`drift corrected at main@sha1:${second} \\(revision 3\\)`), mark);
  assert.equal((await deployment())?.spec.replicas, 2);

  // A rollback while the watch runs: it is not undone by the next pass.
  mark = w.output().length;
  const back = await c.gdeploy(['rollback', first.slice(0, 10)]);
  assert.equal(back.code, 0, back.stderr);
  await w.waitFor(/pinned: hello-world-flask stays at main@sha1:/, mark);
  assert.equal((await deployment())?.spec.template.spec.containers[0]?.image, 'lyzhang1999/hello-world-flask:latest');
  assert.doesNotMatch(w.output().slice(mark), new RegExp(`deploying main@sha1:${second}`));

  // A new commit on the branch ends the pin and deploys.
  mark = w.output().length;
  const third = await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { replicas: 3 }) }, 'v1, 3 replicas');
  await w.waitFor(/unpinned: a new commit landed on main/, mark);
  await w.waitFor(new RegExp(`deployed main@sha1:${third} \\(revision 5\\)`), mark);
  assert.equal((await deployment())?.spec.template.spec.containers[0]?.image, 'lyzhang1999/hello-world-flask:v1');
  assert.equal((await deployment())?.spec.replicas, 3);

  const stopped = await w.stop('SIGINT');
  assert.equal(stopped.code, 130, w.output());

  const h = JSON.parse((await c.gdeploy(['history', '-o', 'json'])).stdout) as { revisions: { number: number; action: string; sha: string }[] };
  assert.deepEqual(
    h.revisions.map((x) => [x.number, x.action, x.sha]),
    [
      [5, 'sync', third],
      [4, 'rollback', first],
      [3, 'drift', second],
      [2, 'sync', second],
      [1, 'sync', first],
    ],
  );
});

test('a bad commit does not stop the watch: it is reported, retried, and the next good commit deploys; SIGTERM exits 143', async (t) => {
  const c = await suite.cluster(t);
  const good = await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { replicas: 3 }), 'bad.yaml': 'kind: [\n' }, 'broken');
  const w = c.spawn(['sync', '--repo', r.remote, '--watch', '--interval', '1s']);
  await w.waitFor(new RegExp(`main@sha1:${good} \\(revision \\d+\\) failed: .*bad\\.yaml`));
  await w.waitFor(/retrying in \d+(\.\d)?s/);
  const mark = w.output().length;
  const fixed = await r.commit({ 'bad.yaml': null }, 'fix');
  await w.waitFor(new RegExp(`deployed main@sha1:${fixed}`), mark);
  const stopped = await w.stop('SIGTERM');
  assert.equal(stopped.code, 143, w.output());
});
