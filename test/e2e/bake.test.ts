// --bake: the usual bad release becomes Ready and then crashes. With a bake,
// set-image and sync keep watching the new Pods after the rollout, fail the
// release when one restarts, and with --rollback-on-failure put the previous
// version back; a good version passes the bake and says so.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxOnly } from '../helpers/cluster.js';
import { gitopsSuite, helloWorldFlask, image } from '../helpers/gitrepo.js';
import { LATEST, SKIP, V1, appliedApp, helloWorld, testCluster } from './set-image-harness.js';

/** An image the sandbox runs until it has been Ready a while, then crashes (image rule crashAfterReady). */
const FLAKY = 'lyzhang1999/hello-world-flask:flaky';
const CRASH_AFTER_READY_MS = 1500;

const suite = gitopsSuite();

describe('set-image --bake', { concurrency: true }, () => {
  test('a new version that crashes after it became Ready fails during the bake and is rolled back', { skip: SKIP || sandboxOnly('image rule crashAfterReady') }, async (t) => {
    const c = await testCluster(t);
    c.sandbox!.hooks.images.setRule(FLAKY, 'crashAfterReady');
    c.sandbox!.hooks.images.setCrashAfterReady(CRASH_AFTER_READY_MS);
    await appliedApp(c, t, 'baked');

    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${FLAKY}`, '--bake', '10s', '--rollback-on-failure', '--timeout', '2m']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^deployment\/hello-world-flask rolled out \(2\/2 new ready\); baking for 10s\.\.\.$/m, 'the progress says the bake is on');
    assert.match(
      r.stderr,
      /^error: deployment\/hello-world-flask: failed during the 10s bake: container hello-world-flask of Pod hello-world-flask-[a-z0-9]+-[a-z0-9]+ (restarted( \d+ times)? \(exit code 1, Error\)|: CrashLoopBackOff)/m,
    );
    assert.match(r.stderr, /last log lines of hello-world-flask:\n(\s+.*\n)*\s+lyzhang1999\/hello-world-flask:flaky: FATAL: .*exiting with code 1/, "the Pod's last log lines follow");
    assert.match(r.stderr, /events:\n\s+(Normal|Warning) /, "the Pod's events follow");
    assert.match(r.stderr, /rolled back: the previous state is back and rolled out/);

    assert.equal((await c.must('deployment/hello-world-flask')).spec.template.spec.containers[0].image, LATEST, 'the previous image is back');
    await c.rolledOut('deployment/hello-world-flask');
    const history = JSON.parse((await c.gdeploy(['history', '--app', 'baked', '-o', 'json'])).stdout);
    const last = history.revisions[0];
    assert.equal(last.action, 'set-image');
    assert.equal(last.result, 'rolled back');
    assert.match(last.reason, /failed during the 10s bake: container hello-world-flask of Pod /);
  });

  test('a good version passes the bake and says so', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${V1}`, '--bake', '2s', '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /deployment\/hello-world-flask rolled out .*; baking for 2s\.\.\./);
    assert.match(r.stderr, /^baked for 2s: no restarts/m);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.template.spec.containers[0].image, V1);
  });
});

test('sync --rollback-on-failure --bake: a commit whose Pods crash after they became Ready puts the previous revision back', { skip: sandboxOnly('image rule crashAfterReady') }, async (t) => {
  const c = await suite.cluster(t);
  c.sandbox!.hooks.images.setRule(FLAKY, 'crashAfterReady');
  c.sandbox!.hooks.images.setCrashAfterReady(CRASH_AFTER_READY_MS);
  const r = await suite.repo('flaky');
  const good = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name: 'flaky' }) }, 'good');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote])).code, 0);
  const bad = await r.commit({ 'deployment.yaml': helloWorldFlask('flaky', { name: 'flaky' }) }, 'crashes under load');

  const res = await c.gdeploy(['sync', '--repo', r.remote, '--rollback-on-failure', '--bake', '10s', '--timeout', '2m']);
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, /deployment\/flaky rolled out .*; baking for 10s\.\.\./);
  assert.match(res.stderr, /rolling back to revision 1 \(main@sha1:/);
  assert.match(res.stderr, new RegExp(`main@sha1:${bad} \\(revision 2\\) rolled back: deployment/flaky: failed during the 10s bake: container hello-world-flask of Pod flaky-`));
  assert.match(res.stderr, /lyzhang1999\/hello-world-flask:flaky: FATAL: /, "the Pod's last log lines");

  assert.equal(await image(c, 'flaky'), 'lyzhang1999/hello-world-flask:latest');
  assert.equal((await c.must('deployment/flaky')).metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${good}`);
  await c.rolledOut('deployment/flaky');
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'flaky', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { result: string }) => x.result), ['rolled back', 'succeeded']);
  assert.match(h.revisions[0].reason, /failed during the 10s bake: .*; put back revision 1 \(succeeded\)$/);
});
