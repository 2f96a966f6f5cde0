// set-image when the rollout cannot finish: a missing image, a crashing one,
// --rollback-on-failure, and an interrupt. Watches the server drops are in
// test/hardening/watch-dropped-rollout.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxOnly } from '../helpers/cluster.js';
import { LATEST, SKIP, helloWorld, testCluster } from './set-image-harness.js';

// A `.invalid` registry never resolves: on any cluster its images never pull.
const MISSING = 'registry.invalid/hello-world-flask:nope';

// Each test has its own namespace (and sandbox); they run side by side.
describe('gdeploy set-image when the rollout fails', { concurrency: true }, () => {
  test('a missing image fails fast, naming ImagePullBackOff, the Pod, the container and the image', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${MISSING}`, '--timeout', '10m', '--failure-grace', '1s']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error: deployment\/hello-world-flask rollout failed: .*(ImagePullBackOff|ErrImagePull)/);
    assert.match(r.stderr, new RegExp(`Pod hello-world-flask-[a-z0-9]+-[a-z0-9]+ container hello-world-flask: (ImagePullBackOff|ErrImagePull)`));
    assert.match(r.stderr, new RegExp(`image: ${MISSING.replace(/\./g, '\\.')}`));
    assert.match(r.stderr, /events:\n\s+(Normal|Warning) /, 'the Pod\'s recent events follow');
    assert.match(r.stderr, /--rollback-on-failure/, 'the hint says how to get the previous state back');
    // Without --rollback-on-failure the failed change stays, and the old Pods keep serving.
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.spec.template.spec.containers[0].image, MISSING);
    assert.equal(d.status.availableReplicas, 2);
  });

  test('--rollback-on-failure puts :latest back and the Deployment is healthy again', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const r = await c.gdeploy([
      'set-image', 'deployment/hello-world-flask', `hello-world-flask=${MISSING}`,
      '--rollback-on-failure', '--timeout', '10m', '--failure-grace', '1s',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rollout failed: .*(ImagePullBackOff|ErrImagePull)/);
    assert.match(r.stderr, /rolled back: the previous state is back and rolled out/);
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.spec.template.spec.containers[0].image, LATEST);
    const status = await c.kubectl(['rollout', 'status', 'deployment/hello-world-flask', '--timeout=60s']);
    assert.equal(status.code, 0, status.stderr);
    const pods = await c.must('pods');
    const live = pods.items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.equal(live.length, 2);
    for (const p of live) assert.equal(p.spec.containers[0].image, LATEST);
  });

  test('a crashing image fails with CrashLoopBackOff and how the container exited', { skip: SKIP || sandboxOnly('image rules (a crashing image)') }, async (t) => {
    const c = await testCluster(t);
    const CRASH = 'lyzhang1999/hello-world-flask:crash';
    c.sandbox!.hooks.images.setRule(CRASH, 'crash');
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${CRASH}`, '--timeout', '10m', '--failure-grace', '1s']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rollout failed: .*CrashLoopBackOff/);
    assert.match(r.stderr, /container hello-world-flask: CrashLoopBackOff: back-off \S+ restarting failed container=hello-world-flask/);
    assert.match(r.stderr, /last run: exit code 1/);
    assert.match(r.stderr, /last log lines of hello-world-flask:\n\s+\S/, 'the container\'s last log lines follow');
  });

  test('--timeout ends the wait with exit code 4', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    // A progress deadline far away, so that only --timeout can end this wait.
    await c.create(helloWorld(LATEST).replace('  replicas: 2\n', '  replicas: 2\n  progressDeadlineSeconds: 100000\n'));
    await c.rolledOut('deployment/hello-world-flask');
    // New Pods that cannot pull are given longer than --timeout to recover: the rollout is pending, not failed, when time is up.
    const r = await c.gdeploy(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${MISSING}`, '--timeout', '6s', '--failure-grace', '10m']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /timed out waiting for the rollout after [\d.]+s: deployment\/hello-world-flask: /);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.template.spec.containers[0].image, MISSING, 'a timeout undoes nothing by itself');
  });

  test('Ctrl-C stops the waiting with exit code 130 and leaves the rollout to the cluster', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(helloWorld(LATEST));
    await c.rolledOut('deployment/hello-world-flask');
    const bg = c.spawn(['set-image', 'deployment/hello-world-flask', `hello-world-flask=${MISSING}`, '--failure-grace', '10m']);
    await bg.waitFor(/new ready/);
    const { code } = await bg.stop('SIGINT');
    assert.equal(code, 130, bg.output());
    assert.match(bg.output(), /interrupted while waiting for the rollout; it goes on in the cluster/);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.template.spec.containers[0].image, MISSING);
  });
});
