import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.js';
import { watchRollouts, type WorkloadStatus } from '../../src/rollout/index.js';
import { FakeCluster } from './fake-cluster.js';

const NS = 'default';
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' };

function deployment(generation: number, status: Record<string, unknown>, revision = '2'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'dep-uid', generation, annotations: { 'deployment.kubernetes.io/revision': revision } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate' } },
    status,
  };
}

function replicaSet(name: string, revision: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: NS,
      uid: `${name}-uid`,
      labels: { app: 'web', 'pod-template-hash': name.split('-')[1]! },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: true }],
    },
    spec: {},
    status: {},
  };
}

function pod(name: string, rs: string, waiting?: { reason: string; message: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `${rs}-uid`, controller: true }],
    },
    spec: { containers: [{ name: 'web', image: 'web:2' }] },
    status: {
      containerStatuses: [{ name: 'web', image: 'web:2', ready: !waiting, restartCount: 0, state: waiting ? { waiting } : { running: {} } }],
    },
  };
}

const rolling = { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 };
const finished = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };

/** Lets pending watch deliveries and timers run. */
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function seed(): FakeCluster {
  const c = new FakeCluster();
  c.put(deployment(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 0, availableReplicas: 2 }));
  c.put(replicaSet('web-old', '1'));
  c.put(replicaSet('web-new', '2'));
  c.put(pod('web-old-a', 'web-old'));
  c.put(pod('web-old-b', 'web-old'));
  return c;
}

test('follows a Deployment until it is rolled out, and records the availability floor', async () => {
  const c = seed();
  const seen: WorkloadStatus[] = [];
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000, onProgress: (s) => seen.push(s) });
  await tick();
  c.put(deployment(2, rolling));
  await tick();
  c.put(deployment(2, { ...rolling, availableReplicas: 1 }));
  await tick();
  c.put(deployment(2, finished));
  const result = await done;
  assert.equal(result.outcome, 'done');
  assert.equal(result.workloads[0]!.state, 'done');
  assert.deepEqual(result.workloads[0]!.availability, { minAvailable: 1, requiredMinimum: 2, desired: 2, availableAtStart: 2 });
  assert.ok(seen.some((s) => s.message.includes('1 out of 2 new replicas')));
  assert.equal(seen.at(-1)!.state, 'done');
});

test('a new Deployment starts with nothing available, so no minimum applies until it has Pods to keep', async () => {
  const c = new FakeCluster();
  c.put(deployment(1, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 }, '1'));
  c.put(replicaSet('web-new', '1'));
  const done = watchRollouts(c, [{ ref, generation: 1 }], { timeoutMs: 5000 });
  await tick();
  c.put(deployment(1, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }, '1'));
  await tick();
  c.put(deployment(1, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, '1'));
  const result = await done;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(result.workloads[0]!.availability, { minAvailable: 0, requiredMinimum: 0, desired: 2, availableAtStart: 0 });
});

test('a watch the server ends is resumed from the last resourceVersion', async () => {
  const c = seed();
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000 });
  await tick();
  c.put(deployment(2, rolling));
  await tick();
  const listsBefore = c.lists;
  assert.ok(c.cutWatches() > 0);
  // Changes while no watch is open must still arrive.
  c.put(deployment(2, finished));
  const result = await done;
  assert.equal(result.outcome, 'done');
  assert.ok(result.reconnects.resumes > 0);
  assert.equal(c.lists, listsBefore, 'resuming needs no new list');
});

test('410 Gone makes the watcher list again, and it still sees the end', async () => {
  const c = seed();
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000 });
  await tick();
  c.cutWatches();
  c.put(deployment(2, finished));
  c.compact();
  const result = await done;
  assert.equal(result.outcome, 'done');
  assert.ok(result.reconnects.relists > 0);
});

test('a new Pod stuck in ImagePullBackOff fails the rollout after the grace period', async () => {
  const c = seed();
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 10_000, failureGraceMs: 50 });
  await tick();
  c.put(deployment(2, rolling));
  c.put(pod('web-new-x', 'web-new', { reason: 'ErrImagePull', message: 'pull access denied for web:2' }));
  await tick(20);
  // The kubelet flips between the two reasons; that must not restart the grace period.
  c.put(pod('web-new-x', 'web-new', { reason: 'ImagePullBackOff', message: 'Back-off pulling image "web:2"' }));
  const result = await done;
  assert.equal(result.outcome, 'failed');
  assert.equal(result.failed, 'Deployment/default/web');
  const w = result.workloads[0]!;
  assert.equal(w.problem?.pod, 'web-new-x');
  assert.equal(w.problem?.container, 'web');
  assert.equal(w.problem?.reason, 'ImagePullBackOff');
  assert.equal(w.problem?.image, 'web:2');
  assert.ok(w.evidence, 'failure comes with its evidence');
});

test('an old Pod crashing does not fail the rollout of a new revision', async () => {
  const c = seed();
  c.put(pod('web-old-a', 'web-old', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' }));
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000, failureGraceMs: 10 });
  await tick(40);
  c.put(deployment(2, finished));
  assert.equal((await done).outcome, 'done');
});

test('ProgressDeadlineExceeded fails at once', async () => {
  const c = seed();
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000 });
  await tick();
  c.put(deployment(2, { ...rolling, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
  const result = await done;
  assert.equal(result.outcome, 'failed');
  assert.match(result.workloads[0]!.reason ?? '', /exceeded its progress deadline/);
});

test('the timeout ends the wait with the last known state', async () => {
  const c = seed();
  const result = await watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 50 });
  assert.equal(result.outcome, 'timeout');
  assert.match(result.workloads[0]!.message, /spec update to be observed/);
});

test('waits for several workloads at once; a missing one fails', async () => {
  const c = seed();
  const other = { ...ref, name: 'gone' };
  const result = await watchRollouts(c, [{ ref, generation: 2 }, { ref: other }], { timeoutMs: 5000 });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.failed, 'Deployment/default/gone');
});

test('an aborted signal rejects the wait and stops every watch', async () => {
  const c = seed();
  const ac = new AbortController();
  const done = watchRollouts(c, [{ ref, generation: 2 }], { timeoutMs: 5000, signal: ac.signal });
  await tick();
  ac.abort(new Error('interrupted'));
  await assert.rejects(done, /interrupted/);
  assert.equal(c.cutWatches(), 0, 'no watch left open');
});

test("a DaemonSet's old crash-looping Pods do not fail its rollout while the new ControllerRevision is not seen yet", async () => {
  const c = new FakeCluster();
  const owner = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }];
  const template = (image: string) => ({ metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }] } });
  const revision = (n: number, hash: string, image: string): KubeObject =>
    ({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: `agent-${hash}`, namespace: NS, labels: { app: 'agent', 'controller-revision-hash': hash }, ownerReferences: owner },
      data: { spec: { template: { ...template(image), $patch: 'replace' } } },
      revision: n,
    }) as KubeObject;
  c.put({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: NS, uid: 'ds-uid', generation: 2 },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent:fixed') },
    status: { observedGeneration: 2, desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 0, numberAvailable: 0 },
  });
  // Only the previous revision is known: the one of the new template comes later.
  c.put(revision(1, 'old', 'agent:broken'));
  c.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'agent-x', namespace: NS, labels: { app: 'agent', 'controller-revision-hash': 'old' }, ownerReferences: owner },
    spec: { containers: [{ name: 'agent', image: 'agent:broken' }] },
    status: { containerStatuses: [{ name: 'agent', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } } }] },
  });
  const dsRef = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: NS, name: 'agent' };
  const result = await watchRollouts(c, [{ ref: dsRef, generation: 2 }], { timeoutMs: 300, failureGraceMs: 10 });
  assert.equal(result.outcome, 'timeout', result.workloads[0]!.reason);
});

// --- the bake: after the rollout, the new Pods are watched a while longer ---

/** A new Pod that is Running, Ready unless told otherwise, with `restarts` restarts after exits with code 1. */
function newPod(name: string, opts: { ready?: boolean; restarts?: number } = {}): KubeObject {
  const { ready = true, restarts = 0 } = opts;
  const p = pod(name, 'web-new');
  const exited = restarts > 0 ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } } : {};
  p.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [web]' }) }],
    containerStatuses: [{ name: 'web', image: 'web:2', ready, restartCount: restarts, state: { running: {} }, ...exited }],
  };
  return p;
}

/** A Deployment rolled out to revision 2, its two new Pods Ready. */
function rolledOut(): FakeCluster {
  const c = new FakeCluster();
  c.put(deployment(2, finished));
  c.put(replicaSet('web-old', '1'));
  c.put(replicaSet('web-new', '2'));
  c.put(newPod('web-new-a'));
  c.put(newPod('web-new-b'));
  return c;
}

/** Watches with a bake; `baking` resolves once a status says the bake is on. */
function bakeWatch(c: FakeCluster, opts: { bakeMs: number; timeoutMs?: number; failureGraceMs?: number }) {
  const seen: WorkloadStatus[] = [];
  let started!: () => void;
  const baking = new Promise<void>((resolve) => (started = resolve));
  const done = watchRollouts(c, [{ ref, generation: 2 }], {
    timeoutMs: 5000,
    ...opts,
    onProgress: (s) => {
      seen.push(s);
      if (s.bakingMs) started();
    },
  });
  return { done, baking, seen };
}

test('a bake with no restart passes: the watch goes on past the timeout and ends done', async () => {
  const { done, seen } = bakeWatch(rolledOut(), { bakeMs: 1000, timeoutMs: 500 });
  const result = await done;
  assert.equal(result.outcome, 'done');
  assert.deepEqual(result.bake, { ms: 1000, passed: true });
  assert.ok(seen.some((s) => s.state === 'done' && s.bakingMs === 1000), 'the progress says the bake is on');
});

test('a container of a new Pod that restarts during the bake fails it, naming the Pod, the container and how it exited', async () => {
  const c = rolledOut();
  const { done, baking } = bakeWatch(c, { bakeMs: 30_000 });
  await baking;
  c.put(newPod('web-new-a', { restarts: 1 }));
  const result = await done;
  assert.equal(result.outcome, 'failed');
  assert.deepEqual(result.bake, { ms: 30_000, passed: false });
  assert.equal(result.failed, 'Deployment/default/web');
  const w = result.workloads[0]!;
  assert.equal(w.reason, 'failed during the 30s bake: container web of Pod web-new-a restarted (exit code 1, Error)');
  assert.equal(w.problem?.pod, 'web-new-a');
  assert.equal(w.problem?.lastTermination, 'exit code 1 (Error)');
  assert.ok(w.evidence, 'the failure comes with its evidence');
});

test('a new Pod that stops being Ready during the bake fails it once the grace runs out', async () => {
  const c = rolledOut();
  const { done, baking } = bakeWatch(c, { bakeMs: 30_000, failureGraceMs: 40 });
  await baking;
  c.put(newPod('web-new-b', { ready: false }));
  const result = await done;
  assert.equal(result.outcome, 'failed');
  assert.equal(result.workloads[0]!.reason, 'failed during the 30s bake: Pod web-new-b stopped being Ready for 40ms (containers with unready status: [web])');
});

test('a workload that stops being rolled out during the bake fails it once the grace runs out', async () => {
  const c = rolledOut();
  const { done, baking } = bakeWatch(c, { bakeMs: 30_000, failureGraceMs: 40 });
  await baking;
  c.put(deployment(2, { ...finished, availableReplicas: 1 }));
  const result = await done;
  assert.equal(result.outcome, 'failed');
  assert.match(result.workloads[0]!.reason ?? '', /^failed during the 30s bake: no longer current for 40ms: /);
});

test('a rollout that fails before it is done is not baked', async () => {
  const c = seed();
  const result = await watchRollouts(c, [{ ref, generation: 2 }, { ref: { ...ref, name: 'gone' } }], { timeoutMs: 5000, bakeMs: 30_000 });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.bake, undefined);
});
