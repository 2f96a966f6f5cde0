import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { checkDaemonSet, checkDeployment, checkJob, checkStatefulSet, type Workload } from '../../src/rollout/checks/index.js';

const obj = (text: string) => yaml.load(text) as Workload;

test('deployment: spec not observed yet', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 3}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}
`));
  assert.equal(r.done, false);
  assert.equal(r.message, 'Waiting for deployment spec update to be observed...');
});

test('deployment: waits for the generation our change produced even if the object looks older', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}
`), 3);
  assert.equal(r.done, false);
});

test('deployment: new replicas not all updated', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2}
`));
  assert.equal(r.done, false);
  assert.match(r.message, /1 out of 2 new replicas have been updated/);
  assert.deepEqual(r.replicas, { desired: 2, updated: 1, updatedReady: 0, old: 2, available: 2, unavailable: 0 });
});

test('deployment: old replicas pending termination', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2}
`));
  assert.equal(r.done, false);
  assert.match(r.message, /1 old replicas are pending termination/);
});

test('deployment: updated but not yet available', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1}
`));
  assert.equal(r.done, false);
  assert.match(r.message, /1 of 2 updated replicas are available/);
  assert.equal(r.replicas?.unavailable, 1);
});

test('deployment: rolled out', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2}
`));
  assert.equal(r.done, true);
  assert.equal(r.message, 'deployment "web" successfully rolled out');
});

test('deployment: progress deadline exceeded fails', () => {
  const r = checkDeployment(obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 2}
status:
  observedGeneration: 2
  replicas: 3
  updatedReplicas: 1
  availableReplicas: 2
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded}
`));
  assert.equal(r.done, false);
  assert.equal(r.failed, true);
  assert.match(r.message, /exceeded its progress deadline/);
});

test('deployment: the new ReplicaSet gives the ready count of new Pods', () => {
  const r = checkDeployment(
    obj(`
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3}
`),
    0,
    obj(`
kind: ReplicaSet
metadata: {name: web-abc}
status: {replicas: 2, readyReplicas: 1}
`),
  );
  assert.equal(r.replicas?.updatedReady, 1);
  assert.equal(r.replicas?.old, 2);
});

test('statefulset: rolling update waits for revisions to converge', () => {
  const r = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2, currentReplicas: 1}
`));
  assert.equal(r.done, false);
  assert.match(r.message, /waiting for statefulset rolling update to complete 2 pods at revision db-2/);
});

test('statefulset: not ready pods', () => {
  const r = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 1, updatedReplicas: 3, currentRevision: db-2, updateRevision: db-2}
`));
  assert.equal(r.done, false);
  assert.equal(r.message, 'Waiting for 2 pods to be ready...');
});

test('statefulset: complete when current revision caught up', () => {
  const r = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3, currentRevision: db-2, updateRevision: db-2}
`));
  assert.equal(r.done, true);
});

test('statefulset: never observed (observedGeneration 0) is waiting', () => {
  const r = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 1, updateStrategy: {type: RollingUpdate}}
status: {replicas: 0}
`));
  assert.equal(r.done, false);
  assert.match(r.message, /spec update to be observed/);
});

test('statefulset: partition counts only Pods above the partition', () => {
  const waiting = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {observedGeneration: 2, replicas: 4, readyReplicas: 4, updatedReplicas: 1, currentRevision: db-1, updateRevision: db-2}
`));
  assert.equal(waiting.done, false);
  assert.match(waiting.message, /1 out of 2 new pods have been updated/);
  const done = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 4, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {observedGeneration: 2, replicas: 4, readyReplicas: 4, updatedReplicas: 2, currentRevision: db-1, updateRevision: db-2}
`));
  assert.equal(done.done, true);
  assert.match(done.message, /partitioned roll out complete: 2 new pods/);
});

test('statefulset: OnDelete is not waited for', () => {
  const r = checkStatefulSet(obj(`
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 2, updateStrategy: {type: OnDelete}}
status: {observedGeneration: 1, replicas: 2, readyReplicas: 2}
`));
  assert.equal(r.done, true);
  assert.equal(r.failed, undefined);
  assert.match(r.message, /OnDelete/);
});

test('daemonset: waits for updated and available pods', () => {
  const updating = checkDaemonSet(obj(`
kind: DaemonSet
metadata: {name: agent, generation: 2}
spec: {updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 2, numberReady: 2}
`));
  assert.equal(updating.done, false);
  assert.match(updating.message, /1 out of 3 new pods have been updated/);
  const unavailable = checkDaemonSet(obj(`
kind: DaemonSet
metadata: {name: agent, generation: 2}
spec: {updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2}
`));
  assert.match(unavailable.message, /2 of 3 updated pods are available/);
  const done = checkDaemonSet(obj(`
kind: DaemonSet
metadata: {name: agent, generation: 2}
spec: {updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3}
`));
  assert.equal(done.done, true);
});

test('daemonset: not observed, and OnDelete', () => {
  assert.equal(checkDaemonSet(obj(`
kind: DaemonSet
metadata: {name: agent, generation: 3}
spec: {updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 2, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1}
`)).done, false);
  assert.equal(checkDaemonSet(obj(`
kind: DaemonSet
metadata: {name: agent, generation: 3}
spec: {updateStrategy: {type: OnDelete}}
status: {observedGeneration: 2}
`)).done, true);
});

test('job: running, complete, failed', () => {
  const running = checkJob(obj(`
kind: Job
metadata: {name: migrate}
status: {active: 1}
`));
  assert.equal(running.done, false);
  assert.match(running.message, /1 active, 0 succeeded, 0 failed/);
  assert.equal(checkJob(obj(`
kind: Job
metadata: {name: migrate}
status: {succeeded: 1, conditions: [{type: Complete, status: "True"}]}
`)).done, true);
  const failed = checkJob(obj(`
kind: Job
metadata: {name: migrate}
status: {failed: 7, conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]}
`));
  assert.equal(failed.failed, true);
  assert.match(failed.message, /BackoffLimitExceeded: Job has reached the specified backoff limit/);
});
