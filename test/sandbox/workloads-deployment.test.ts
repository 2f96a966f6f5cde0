// The deployment and replicaset controllers on the in-process cluster: the
// objects, annotations, conditions and events a real cluster shows for the
// tutorial's Deployment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/sandbox/types.js';
import { condition, deployment, eventMessages, rolledOut, withCluster, status, type TestCluster } from './workloads-harness.js';

const IMAGE = 'lyzhang1999/hello-world-flask:latest';
const V1 = 'lyzhang1999/hello-world-flask:v1';
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

type Pod = KubeObject & { spec: { containers: { image: string }[]; nodeName?: string } };

function replicaSets(c: TestCluster, app: string): KubeObject[] {
  return c.list('ReplicaSet').filter((rs) => rs.metadata.labels?.app === app);
}

function replicas(rs: KubeObject): number {
  return (rs.spec as { replicas: number }).replicas;
}


function setImage(c: TestCluster, name: string, image: string): void {
  c.modify<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>('Deployment', name, (d) => {
    d.spec.template.spec.containers[0]!.image = image;
  });
}

test('the tutorial Deployment gets a hashed ReplicaSet, named Pods, annotations and complete status', () =>
  withCluster(async (c) => {
    c.create(deployment('hello-world-flask', IMAGE));
    const d = await c.waitFor('rollout', () => {
      const d = c.get('Deployment', 'hello-world-flask');
      return rolledOut(d) && d;
    });
    const [rs, ...more] = replicaSets(c, 'hello-world-flask');
    assert.equal(more.length, 0);
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    assert.match(hash, new RegExp(`^${SAFE}{6,10}$`));
    assert.equal(rs!.metadata.name, `hello-world-flask-${hash}`);
    assert.deepEqual(rs!.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['Deployment', 'hello-world-flask', true]]);
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '2');
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '3');
    assert.deepEqual(status(rs), { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

    const pods = c.list<Pod>('Pod');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.match(p.metadata.name!, new RegExp(`^hello-world-flask-${hash}-${SAFE}{5}$`));
      assert.equal(p.metadata.labels?.['pod-template-hash'], hash);
      assert.equal(p.spec.nodeName, 'sandbox-node-1');
      const st = status<{ phase: string; podIP: string; containerStatuses: { ready: boolean; imageID: string; containerID: string; state: { running?: unknown } }[] }>(p);
      assert.equal(st.phase, 'Running');
      assert.match(st.podIP, /^10\.244\.0\.\d+$/);
      assert.equal(st.containerStatuses[0]!.ready, true);
      assert.match(st.containerStatuses[0]!.imageID, /^docker\.io\/lyzhang1999\/hello-world-flask@sha256:[0-9a-f]{64}$/);
      assert.match(st.containerStatuses[0]!.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
      assert.ok(st.containerStatuses[0]!.state.running);
      for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(condition(p, t)?.status, 'True', t);
    }

    const s = status<Record<string, unknown>>(d);
    assert.deepEqual(
      [s.observedGeneration, s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas],
      [1, 2, 2, 2, 2],
    );
    // A zero count is left out, as Go's omitempty does.
    assert.equal('unavailableReplicas' in s, false);
    assert.deepEqual(condition(d, 'Available'), { ...condition(d, 'Available'), status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    assert.equal(condition(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${rs!.metadata.name}" has successfully progressed.`);

    assert.deepEqual(eventMessages(c, 'ScalingReplicaSet'), [`Scaled up replica set ${rs!.metadata.name} from 0 to 2`]);
    assert.equal(eventMessages(c, 'SuccessfulCreate').length, 2);
    for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']) assert.ok(eventMessages(c, reason).length >= 1, reason);
    assert.ok(eventMessages(c, 'Scheduled')[0]!.startsWith('Successfully assigned default/hello-world-flask-'));
    assert.ok(eventMessages(c, 'Created').includes('Created container: hello-world-flask'));
  }));

test('set image rolls to a new ReplicaSet at revision 2; undo brings revision 1 back as revision 3', () =>
  withCluster(async (c) => {
    c.create(deployment('hello-world-flask', IMAGE));
    await c.waitFor('first rollout', () => rolledOut(c.get('Deployment', 'hello-world-flask')));
    const [first] = replicaSets(c, 'hello-world-flask');
    setImage(c, 'hello-world-flask', V1);
    await c.waitFor('second rollout', () => rolledOut(c.get('Deployment', 'hello-world-flask')));
    const second = replicaSets(c, 'hello-world-flask').find((rs) => rs.metadata.uid !== first!.metadata.uid)!;
    assert.equal(replicas(second), 2);
    assert.equal(replicas(c.get('ReplicaSet', first!.metadata.name!)!), 0);
    assert.equal(second.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(c.get('Deployment', 'hello-world-flask')!.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    await c.waitFor('old pods gone', () => c.list<Pod>('Pod').every((p) => p.spec.containers[0]!.image === V1) || undefined);
    const scaling = eventMessages(c, 'ScalingReplicaSet');
    assert.ok(scaling.includes(`Scaled up replica set ${second.metadata.name} from 0 to 1`), scaling.join('\n'));
    assert.ok(scaling.includes(`Scaled down replica set ${first!.metadata.name} from 2 to 1`), scaling.join('\n'));

    // kubectl rollout undo: the old ReplicaSet's template, without its hash label, patched in.
    setImage(c, 'hello-world-flask', IMAGE);
    await c.waitFor('undo rollout', () => rolledOut(c.get('Deployment', 'hello-world-flask')));
    const back = c.get('ReplicaSet', first!.metadata.name!)!;
    assert.equal(replicas(back), 2);
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(replicaSets(c, 'hello-world-flask').length, 2);
  }));

test('old ReplicaSets beyond revisionHistoryLimit are deleted', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1', { revisionHistoryLimit: 1 }));
    await c.waitFor('first rollout', () => rolledOut(c.get('Deployment', 'web')));
    for (const tag of ['2', '3', '4']) {
      setImage(c, 'web', `example/web:${tag}`);
      await c.waitFor(`rollout to ${tag}`, () => rolledOut(c.get('Deployment', 'web')));
    }
    await c.waitFor('history trimmed to one old ReplicaSet', () => replicaSets(c, 'web').length === 2);
    const revisions = replicaSets(c, 'web').map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
  }));

test('scaling resizes the ReplicaSet without a rollout', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1'));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    c.modify<KubeObject & { spec: { replicas: number } }>('Deployment', 'web', (d) => (d.spec.replicas = 5));
    await c.waitFor('scaled to 5', () => rolledOut(c.get('Deployment', 'web')) && c.list('Pod').length === 5);
    const [rs, ...more] = replicaSets(c, 'web');
    assert.equal(more.length, 0);
    assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
    assert.ok(eventMessages(c, 'ScalingReplicaSet').includes(`Scaled up replica set ${rs!.metadata.name} from 2 to 5`));
    c.modify<KubeObject & { spec: { replicas: number } }>('Deployment', 'web', (d) => (d.spec.replicas = 1));
    await c.waitFor('scaled to 1', () => rolledOut(c.get('Deployment', 'web')) && c.list('Pod').length === 1);
  }));

test('Recreate removes every old Pod before the first new one exists', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1', { replicas: 3, strategy: { type: 'Recreate' } }));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    let overlap = false;
    const off = c.store.subscribe(() => {
      const images = new Set(c.list<Pod>('Pod').map((p) => p.spec.containers[0]!.image));
      if (images.size > 1) overlap = true;
    });
    setImage(c, 'web', 'example/web:2');
    await c.waitFor('recreate rollout', () => rolledOut(c.get('Deployment', 'web')));
    off();
    assert.equal(overlap, false);
    assert.equal(c.list('Pod').length, 3);
  }));

test('a paused Deployment does not roll out until resumed, and says so', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1'));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    c.modify<KubeObject & { spec: { paused?: boolean } }>('Deployment', 'web', (d) => (d.spec.paused = true));
    setImage(c, 'web', 'example/web:2');
    const paused = await c.waitFor('paused condition', () => {
      const d = c.get('Deployment', 'web');
      return condition(d, 'Progressing')?.reason === 'DeploymentPaused' && status<{ observedGeneration: number }>(d).observedGeneration === d!.metadata.generation && d;
    });
    assert.deepEqual([condition(paused, 'Progressing')?.status, condition(paused, 'Progressing')?.message], ['Unknown', 'Deployment is paused']);
    await c.wl.settled();
    assert.equal(replicaSets(c, 'web').length, 1);
    c.modify<KubeObject & { spec: { paused?: boolean } }>('Deployment', 'web', (d) => (d.spec.paused = false));
    await c.waitFor('rollout after resume', () => rolledOut(c.get('Deployment', 'web')) && replicaSets(c, 'web').length === 2);
  }));

test('rollout restart (a restartedAt template annotation) starts a new ReplicaSet', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1'));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    c.modify<KubeObject & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }>('Deployment', 'web', (d) => {
      d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() };
    });
    await c.waitFor('restart rollout', () => rolledOut(c.get('Deployment', 'web')) && replicaSets(c, 'web').length === 2);
  }));

test('a Deployment adopts an orphan ReplicaSet its selector matches', () =>
  withCluster(async (c) => {
    c.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-orphan', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:0' }] } },
      },
    });
    c.create(deployment('web', 'example/web:1', { replicas: 1 }));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    const orphan = c.get('ReplicaSet', 'web-orphan')!;
    assert.equal(orphan.metadata.ownerReferences?.[0]?.name, 'web');
    assert.equal(orphan.metadata.ownerReferences?.[0]?.controller, true);
    assert.equal(replicas(orphan), 0);
  }));

test('a ReplicaSet replaces a deleted Pod', () =>
  withCluster(async (c) => {
    c.create(deployment('web', 'example/web:1'));
    await c.waitFor('rollout', () => rolledOut(c.get('Deployment', 'web')));
    const victim = c.list('Pod')[0]!;
    c.store.delete(c.res('Pod'), 'default', victim.metadata.name!);
    await c.waitFor('replacement', () => {
      const pods = c.list('Pod');
      return pods.length === 2 && pods.every((p) => p.metadata.uid !== victim.metadata.uid) && rolledOut(c.get('Deployment', 'web'));
    });
    assert.ok(eventMessages(c, 'Killing').includes('Stopping container web'));
  }));
