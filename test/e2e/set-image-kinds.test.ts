// set-image on StatefulSets and DaemonSets: their rollouts are followed with
// kubectl's rules for each kind, and a bad image fails them as fast.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxOnly } from '../helpers/cluster.js';
import { LATEST, SKIP, V1, testCluster, workload } from './set-image-harness.js';

const OLD = LATEST;
const NEW = V1;

// Each test has its own namespace (and sandbox); they run side by side.
describe('gdeploy set-image on StatefulSets and DaemonSets', { concurrency: true }, () => {
  test('a StatefulSet rolls out Pod by Pod to the new revision', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ kind: 'StatefulSet', name: 'db', image: OLD, replicas: 3 }));
    // The minimum promised is measured against the Pods available when the rollout starts: all three.
    await c.rolledOut('statefulset/db');
    const r = await c.gdeploy(['set-image', 'sts/db', `db=${NEW}`, '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'statefulset.apps/db image updated\n');
    assert.match(r.stderr, /statefulset\/db rolled out in [\d.]+s; available Pods never below \d+ of 3 \(minimum 2\)/);
    const s = await c.must('statefulset/db');
    assert.equal(s.status.updateRevision, s.status.currentRevision);
    assert.equal(s.status.updatedReplicas, 3);
    assert.equal(s.status.readyReplicas, 3);
    const pods = (await c.must('pods')).items.filter((p: any) => !p.metadata.deletionTimestamp);
    assert.deepEqual(pods.map((p: any) => p.spec.containers[0].image), [NEW, NEW, NEW]);
  });

  test('a partitioned StatefulSet is done when the Pods above the partition are new', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    const extraSpec = '  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 2\n';
    await c.create(workload({ kind: 'StatefulSet', name: 'db', image: OLD, replicas: 3, extraSpec }));
    const r = await c.gdeploy(['set-image', 'statefulset', 'db', `db=${NEW}`, '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    const images = Object.fromEntries(
      (await c.must('pods')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => [p.metadata.name, p.spec.containers[0].image]),
    );
    assert.deepEqual(images, { 'db-0': OLD, 'db-1': OLD, 'db-2': NEW });
  });

  test('a DaemonSet rolls out on every node', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ kind: 'DaemonSet', name: 'agent', image: OLD }));
    const r = await c.gdeploy(['set-image', 'ds/agent', `*=${NEW}`, '--timeout', '2m']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'daemonset.apps/agent image updated\n');
    assert.match(r.stderr, /daemonset\/agent rolled out in/);
    const ds = await c.must('daemonset/agent');
    assert.equal(ds.status.updatedNumberScheduled, ds.status.desiredNumberScheduled);
    assert.equal(ds.status.numberAvailable, ds.status.desiredNumberScheduled);
  });

  test('a DaemonSet whose new image is missing fails with ImagePullBackOff', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ kind: 'DaemonSet', name: 'agent', image: OLD }));
    const r = await c.gdeploy(['set-image', 'ds/agent', 'agent=registry.invalid/agent:2', '--timeout', '10m', '--failure-grace', '1s']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /daemonset\/agent rollout failed: .*(ImagePullBackOff|ErrImagePull)/);
  });

  test('a StatefulSet whose new image crashes fails with CrashLoopBackOff', { skip: SKIP || sandboxOnly('image rules (a crashing image)') }, async (t) => {
    const c = await testCluster(t);
    c.sandbox!.hooks.images.setRule('registry.example.com/db:crash', 'crash');
    await c.create(workload({ kind: 'StatefulSet', name: 'db', image: OLD, replicas: 2 }));
    const r = await c.gdeploy(['set-image', 'sts/db', 'db=registry.example.com/db:crash', '--timeout', '10m', '--failure-grace', '1s']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /statefulset\/db rollout failed: .*CrashLoopBackOff/);
  });
});
