// StatefulSets, DaemonSets and Jobs on the in-process cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/sandbox/types.js';
import { condition, eventMessages, withCluster, status, type TestCluster } from './workloads-harness.js';

type Pod = KubeObject & { spec: { containers: { image: string }[]; nodeName?: string }; status?: { phase?: string } };

function workload(kind: string, name: string, image: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, namespace: 'default' },
    spec: {
      ...(kind === 'Job' ? {} : { selector: { matchLabels: { app: name } } }),
      template: {
        metadata: { labels: kind === 'Job' ? {} : { app: name } },
        spec: { containers: [{ name, image }], ...(kind === 'Job' ? { restartPolicy: 'Never' } : {}) },
      },
      ...spec,
    },
  };
}

function setImage(c: TestCluster, kind: string, name: string, image: string): void {
  c.modify<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>(kind, name, (o) => {
    o.spec.template.spec.containers[0]!.image = image;
  });
}


type StsStatus = { replicas: number; readyReplicas: number; currentReplicas: number; updatedReplicas: number; availableReplicas: number; currentRevision: string; updateRevision: string; observedGeneration: number };

function stsDone(c: TestCluster, name: string, replicas: number): StsStatus | undefined {
  const sts = c.get('StatefulSet', name);
  const s = status<StsStatus>(sts);
  const done = s.observedGeneration === sts?.metadata.generation && s.readyReplicas === replicas && s.updatedReplicas === replicas && s.currentRevision === s.updateRevision;
  return done ? s : undefined;
}

test('a StatefulSet creates web-0..2 in order, each Ready before the next, and updates from the highest ordinal', () =>
  withCluster(async (c) => {
    const created: string[] = [];
    const deleted: string[] = [];
    c.store.subscribe((ev) => {
      if (ev.object.kind !== 'Pod') return;
      if (ev.type === 'ADDED') created.push(ev.object.metadata.name!);
      if (ev.type === 'MODIFIED' && ev.object.metadata.deletionTimestamp && !ev.old?.metadata.deletionTimestamp) deleted.push(ev.object.metadata.name!);
    });
    let readyWhenNextCreated = true;
    c.store.subscribe((ev) => {
      if (ev.type !== 'ADDED' || ev.object.kind !== 'Pod') return;
      const ordinal = Number(ev.object.metadata.name!.split('-').pop());
      if (ordinal > 0 && condition(c.get('Pod', `web-${ordinal - 1}`), 'Ready')?.status !== 'True') readyWhenNextCreated = false;
    });
    c.create(workload('StatefulSet', 'web', 'example/web:1', { replicas: 3, serviceName: 'web' }));
    const first = await c.waitFor('statefulset ready', () => stsDone(c, 'web', 3));
    assert.deepEqual(created, ['web-0', 'web-1', 'web-2']);
    assert.equal(readyWhenNextCreated, true);
    assert.equal(first.currentReplicas, 3);
    const pod = c.get('Pod', 'web-1')!;
    assert.equal(pod.metadata.labels?.['controller-revision-hash'], first.updateRevision);
    assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
    const revisions = c.list('ControllerRevision');
    assert.deepEqual(revisions.map((r) => [r.metadata.name, (r as unknown as { revision: number }).revision]), [[first.updateRevision, 1]]);

    setImage(c, 'StatefulSet', 'web', 'example/web:2');
    const second = await c.waitFor('rolling update', () => {
      const s = stsDone(c, 'web', 3);
      return s && s.updateRevision !== first.updateRevision && s;
    });
    assert.deepEqual(deleted, ['web-2', 'web-1', 'web-0']);
    assert.equal(c.list('ControllerRevision').length, 2);
    assert.ok(c.list<Pod>('Pod').every((p) => p.spec.containers[0]!.image === 'example/web:2'));
    assert.equal(second.currentRevision, second.updateRevision);
    assert.ok(eventMessages(c, 'SuccessfulCreate').includes('create Pod web-0 in StatefulSet web successful'));
  }));

test('a StatefulSet partition leaves the lower ordinals on the old revision', () =>
  withCluster(async (c) => {
    c.create(workload('StatefulSet', 'db', 'example/db:1', { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }));
    await c.waitFor('ready', () => stsDone(c, 'db', 3));
    setImage(c, 'StatefulSet', 'db', 'example/db:2');
    const s = await c.waitFor('partitioned update', () => {
      const s = status<StsStatus>(c.get('StatefulSet', 'db'));
      return s.updatedReplicas === 1 && s.readyReplicas === 3 && s;
    });
    await c.wl.settled();
    assert.notEqual(s.currentRevision, s.updateRevision);
    assert.equal(c.get<Pod>('Pod', 'db-2')!.spec.containers[0]!.image, 'example/db:2');
    assert.equal(c.get<Pod>('Pod', 'db-0')!.spec.containers[0]!.image, 'example/db:1');
  }));

test('a DaemonSet runs one Pod per node and rolls them within maxUnavailable', () =>
  withCluster(
    async (c) => {
      type DsStatus = { desiredNumberScheduled: number; currentNumberScheduled: number; updatedNumberScheduled: number; numberReady: number; numberAvailable: number; numberUnavailable: number; observedGeneration: number };
      const done = () => {
        const ds = c.get('DaemonSet', 'agent');
        const s = status<DsStatus>(ds);
        return s.observedGeneration === ds?.metadata.generation && s.desiredNumberScheduled === 3 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s;
      };
      c.create(workload('DaemonSet', 'agent', 'example/agent:1'));
      const s = await c.waitFor('daemonset ready', done);
      assert.deepEqual([s.currentNumberScheduled, s.numberReady], [3, 3]);
      assert.equal('numberUnavailable' in s, false, 'a zero count is left out (omitempty)');
      assert.deepEqual(c.list<Pod>('Pod').map((p) => p.spec.nodeName).sort(), ['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3']);

      let worst = 3;
      c.store.subscribe((ev) => {
        if (ev.object.kind !== 'Pod') return;
        const available = c.list<Pod>('Pod').filter((p) => !p.metadata.deletionTimestamp && condition(p, 'Ready')?.status === 'True').length;
        worst = Math.min(worst, available);
      });
      setImage(c, 'DaemonSet', 'agent', 'example/agent:2');
      await c.waitFor('daemonset updated', () => done() && c.list<Pod>('Pod').every((p) => p.spec.containers[0]!.image === 'example/agent:2'));
      assert.equal(worst, 2, 'maxUnavailable 1: never fewer than 2 of 3 nodes served');
    },
    { nodes: 3 },
  ));

test('a Job runs its Pods to completion', () =>
  withCluster(async (c) => {
    c.create(workload('Job', 'migrate', 'example/migrate:1', { completions: 2, parallelism: 1 }));
    const job = await c.waitFor('job complete', () => {
      const j = c.get('Job', 'migrate');
      return condition(j, 'Complete')?.status === 'True' && j;
    });
    const s = status<{ succeeded: number; active?: number; ready: number; startTime?: string; completionTime?: string }>(job);
    // active is omitempty (gone at 0); ready is a pointer (kept at 0).
    assert.deepEqual([s.succeeded, 'active' in s, s.ready], [2, false, 0]);
    assert.ok(s.startTime && s.completionTime);
    assert.equal(condition(job, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.ok(c.list<Pod>('Pod').every((p) => p.status?.phase === 'Succeeded'));
  }));

test('a Job whose Pods keep failing stops at backoffLimit with BackoffLimitExceeded', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/broken:*', 'crash');
    c.create(workload('Job', 'broken', 'example/broken:1', { backoffLimit: 1 }));
    const job = await c.waitFor('job failed', () => {
      const j = c.get('Job', 'broken');
      return condition(j, 'Failed')?.status === 'True' && j;
    });
    assert.equal(condition(job, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(job, 'Failed')?.message, 'Job has reached the specified backoff limit');
    assert.equal(status<{ failed: number }>(job).failed, 2);
  }));
