// What a rollout looks like when it cannot succeed: images that are missing
// or on an unresolvable registry, containers that crash or never get ready,
// and the Deployment's progress deadline — with the kubelet's own wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/sandbox/types.js';
import { condition, deployment, eventMessages, rolledOut, withCluster, status, type TestCluster } from './workloads-harness.js';

type ContainerStatus = {
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string; message?: string }; running?: object };
  lastState: { terminated?: { exitCode: number; reason: string } };
};
type Pod = KubeObject & { spec: { containers: { image: string }[] }; status?: { phase?: string; containerStatuses?: ContainerStatus[] } };

function podsWith(c: TestCluster, image: string): Pod[] {
  return c.list<Pod>('Pod').filter((p) => p.spec.containers[0]!.image === image);
}

function containerOf(p: Pod | undefined): ContainerStatus | undefined {
  return p?.status?.containerStatuses?.[0];
}

/** Every waiting reason the Pods of `image` show, in order of first appearance. */
function watchReasons(c: TestCluster, image: string): { reasons: string[]; stop: () => void } {
  const reasons: string[] = [];
  const stop = c.store.subscribe((ev) => {
    const p = ev.object as Pod;
    if (p.kind !== 'Pod' || p.spec.containers[0]!.image !== image) return;
    const r = containerOf(p)?.state.waiting?.reason;
    if (r && !reasons.includes(r)) reasons.push(r);
  });
  return { reasons, stop };
}

async function rollTo(c: TestCluster, image: string, spec: Record<string, unknown> = {}): Promise<void> {
  c.create(deployment('app', 'example/app:1', spec));
  await c.waitFor('first rollout', () => rolledOut(c.get('Deployment', 'app')));
  c.modify<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>('Deployment', 'app', (d) => {
    d.spec.template.spec.containers[0]!.image = image;
  });
}


test('a missing image shows ErrImagePull, then ImagePullBackOff, and the old Pods keep serving', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/app:missing', 'missing');
    const seen = watchReasons(c, 'example/app:missing');
    await rollTo(c, 'example/app:missing');
    const pod = await c.waitFor('image pull back-off', () => {
      const p = podsWith(c, 'example/app:missing')[0];
      return containerOf(p)?.state.waiting?.reason === 'ImagePullBackOff' && p;
    });
    seen.stop();
    assert.deepEqual(seen.reasons, ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
    assert.equal(containerOf(pod)!.state.waiting!.message, 'Back-off pulling image "example/app:missing"');
    assert.equal(pod.status?.phase, 'Pending');
    const failed = eventMessages(c, 'Failed');
    assert.ok(
      failed.includes(
        'Failed to pull image "example/app:missing": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/example/app:missing": failed to resolve reference "docker.io/example/app:missing": docker.io/example/app:missing: not found',
      ),
      failed.join('\n'),
    );
    assert.ok(failed.includes('Error: ErrImagePull'));
    assert.ok(failed.includes('Error: ImagePullBackOff'));
    assert.ok(eventMessages(c, 'BackOff').includes('Back-off pulling image "example/app:missing"'));
    assert.equal(podsWith(c, 'example/app:1').filter((p) => condition(p, 'Ready')?.status === 'True').length, 2);

    // Once the image exists, the next pull succeeds and the rollout finishes.
    c.wl.images.setRule('example/app:missing', 'ok');
    await c.waitFor('rollout after the image appeared', () => rolledOut(c.get('Deployment', 'app')));
  }));

test('an image on a .invalid registry never pulls: the lookup fails', () =>
  withCluster(async (c) => {
    await rollTo(c, 'registry.invalid/app:v2');
    const pod = await c.waitFor('pull failure', () => {
      const p = podsWith(c, 'registry.invalid/app:v2')[0];
      return ['ErrImagePull', 'ImagePullBackOff'].includes(containerOf(p)?.state.waiting?.reason ?? '') && p;
    });
    assert.ok(pod);
    const msg = eventMessages(c, 'Failed').find((m) => m.startsWith('Failed to pull image "registry.invalid/app:v2"'));
    assert.equal(
      msg,
      'Failed to pull image "registry.invalid/app:v2": rpc error: code = Unknown desc = failed to pull and unpack image "registry.invalid/app:v2": failed to resolve reference "registry.invalid/app:v2": failed to do request: Head "https://registry.invalid/v2/app/manifests/v2": dial tcp: lookup registry.invalid: no such host',
    );
  }));

test('a crashing container goes into CrashLoopBackOff with a growing restart count', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/crash:*', 'crash');
    await rollTo(c, 'example/crash:1');
    const pod = await c.waitFor('two restarts', () => {
      const p = podsWith(c, 'example/crash:1').find((p) => (containerOf(p)?.restartCount ?? 0) >= 2 && containerOf(p)?.state.waiting);
      return p;
    });
    const cs = containerOf(pod)!;
    assert.equal(cs.state.waiting!.reason, 'CrashLoopBackOff');
    assert.match(cs.state.waiting!.message!, /^back-off (\d+m)?\d+s restarting failed container=app pod=app-[a-z0-9]+-[a-z0-9]{5}_default\([0-9a-f-]+\)$/);
    assert.deepEqual([cs.lastState.terminated?.exitCode, cs.lastState.terminated?.reason], [1, 'Error']);
    assert.equal(pod.status?.phase, 'Running');
    assert.ok(eventMessages(c, 'BackOff').some((m) => m.startsWith('Back-off restarting failed container app in pod app-')));
  }));

test('a crashAfterReady container is Ready first, then exits 1 and keeps restarting, Ready again between crashes', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/flaky:*', 'crashAfterReady');
    c.wl.images.setCrashAfterReady(50);
    // Every (ready, restartCount) the new Pod's container goes through, in order.
    const states: string[] = [];
    const stop = c.store.subscribe((ev) => {
      const cs = containerOf(ev.object as Pod);
      if ((ev.object as Pod).kind !== 'Pod' || (ev.object as Pod).spec.containers[0]!.image !== 'example/flaky:1' || !cs) return;
      const state = `${cs.ready ? 'ready' : 'unready'}/${cs.restartCount}`;
      if (states.at(-1) !== state) states.push(state);
    });
    await rollTo(c, 'example/flaky:1', { replicas: 1 });
    const pod = await c.waitFor('two restarts', () => podsWith(c, 'example/flaky:1').find((p) => (containerOf(p)?.restartCount ?? 0) >= 2));
    stop();
    assert.equal(states.indexOf('ready/0') >= 0 && states.indexOf('ready/0') < states.findIndex((s) => s.endsWith('/1')), true, states.join(' '));
    assert.ok(states.includes('ready/1'), `Ready again after a restart: ${states.join(' ')}`);
    assert.deepEqual([containerOf(pod)!.lastState.terminated?.exitCode, containerOf(pod)!.lastState.terminated?.reason], [1, 'Error']);
    assert.ok(eventMessages(c, 'BackOff').some((m) => m.startsWith('Back-off restarting failed container app in pod app-')));
  }));

test('a never-ready container runs but is not Ready, and the rollout does not finish', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/slow:1', 'neverReady');
    await rollTo(c, 'example/slow:1', { replicas: 1 });
    const pod = await c.waitFor('running pod', () => podsWith(c, 'example/slow:1').find((p) => containerOf(p)?.state.running));
    await c.wl.settled();
    const fresh = c.get<Pod>('Pod', pod.metadata.name!)!;
    assert.equal(fresh.status?.phase, 'Running');
    assert.equal(containerOf(fresh)!.ready, false);
    assert.equal(condition(fresh, 'Ready')?.status, 'False');
    assert.equal(condition(fresh, 'Ready')?.reason, 'ContainersNotReady');
    assert.equal(condition(fresh, 'Ready')?.message, 'containers with unready status: [app]');
    assert.equal(rolledOut(c.get('Deployment', 'app')), false);
  }));

test('a stuck rollout reports ProgressDeadlineExceeded after progressDeadlineSeconds', () =>
  withCluster(async (c) => {
    c.wl.images.setRule('example/app:missing', 'missing');
    await rollTo(c, 'example/app:missing', { progressDeadlineSeconds: 30 });
    const d = await c.waitFor('deadline exceeded', () => {
      const d = c.get('Deployment', 'app');
      return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && d;
    });
    const newRS = c.list('ReplicaSet').find((rs) => (rs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image === 'example/app:missing')!;
    assert.equal(condition(d, 'Progressing')?.status, 'False');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`);
    assert.equal(condition(d, 'Available')?.status, 'True');
    assert.equal(status<{ unavailableReplicas: number }>(d).unavailableReplicas, 1);
  }));

test('image rules come from a YAML or JSON file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'workloads-images-'));
  try {
    for (const [file, text] of [
      ['images.yaml', 'crash:\n  - "example/crash:*"\npullDelayMs: 1\n'],
      ['images.json', JSON.stringify({ crash: ['example/crash:*'], pullDelayMs: 1 })],
    ] as const) {
      writeFileSync(join(dir, file), text);
      await withCluster(
        async (c) => {
          await rollTo(c, 'example/crash:2', { replicas: 1 });
          await c.waitFor('crash loop', () => podsWith(c, 'example/crash:2').find((p) => containerOf(p)?.state.waiting?.reason === 'CrashLoopBackOff'));
        },
        { imagesFile: join(dir, file) },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
