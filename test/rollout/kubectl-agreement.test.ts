// gdeploy's watcher and `kubectl rollout status` watch the same rollouts and
// must reach the same verdict: rolled out, failed (progress deadline), or
// still going when the time is up.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/kube/index.js';
import { watchRollouts, type RolloutOutcome } from '../../src/rollout/index.js';
import { ON_GIVEN_CLUSTER } from '../helpers/cluster.js';
import { LATEST, SKIP, V1, testCluster, workload, type TestCluster } from '../e2e/set-image-harness.js';

// Never pulls, on any cluster; with Pod-level failure detection off, a rollout to it just never ends.
const STUCK = 'registry.invalid/web:never';

type Verdict = 'done' | 'failed' | 'timeout';

/** kubectl's verdict from its exit code and words. */
function kubectlVerdict(r: { code: number | null; stdout: string; stderr: string }): Verdict {
  if (r.code === 0) return 'done';
  if (/timed out waiting/.test(r.stderr)) return 'timeout';
  return 'failed';
}

async function both(c: TestCluster, kind: string, name: string, timeoutS: number): Promise<{ kubectl: Verdict; gdeploy: RolloutOutcome; kubectlOut: string }> {
  const kube = await connect({ kubeconfig: c.kubeconfig });
  try {
    const apiVersion = 'apps/v1';
    const [k, g] = await Promise.all([
      c.kubectl(['rollout', 'status', `${kind.toLowerCase()}/${name}`, `--timeout=${timeoutS}s`]),
      // Pod-level failure detection off: judge by the object's status alone, as kubectl does.
      watchRollouts(kube, [{ ref: { apiVersion, kind, namespace: c.ns, name } }], { timeoutMs: timeoutS * 1000, failureGraceMs: 3_600_000 }),
    ]);
    return { kubectl: kubectlVerdict(k), gdeploy: g.outcome, kubectlOut: k.stdout + k.stderr };
  } finally {
    kube.close();
  }
}

async function setImage(c: TestCluster, target: string, pair: string): Promise<void> {
  const r = await c.kubectl(['set', 'image', target, pair]);
  assert.equal(r.code, 0, r.stderr);
}

describe('gdeploy watcher and kubectl rollout status agree', { concurrency: true }, () => {
  test('a Deployment that rolls out', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ name: 'web', image: LATEST, replicas: 3 }));
    await c.rolledOut('deployment/web');
    await setImage(c, 'deployment/web', `web=${V1}`);
    const v = await both(c, 'Deployment', 'web', 60);
    assert.equal(v.kubectl, 'done', v.kubectlOut);
    assert.equal(v.gdeploy, 'done');
  });

  test('a Deployment past its progress deadline', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    // 100 s of Kubernetes time is about a second in the sandbox; a cluster takes its seconds as they come.
    const deadline = ON_GIVEN_CLUSTER ? 10 : 100;
    await c.create(workload({ name: 'web', image: LATEST, replicas: 2, extraSpec: `  progressDeadlineSeconds: ${deadline}\n` }));
    await c.rolledOut('deployment/web');
    await setImage(c, 'deployment/web', 'web=registry.invalid/web:2');
    const v = await both(c, 'Deployment', 'web', 60);
    assert.equal(v.kubectl, 'failed', v.kubectlOut);
    assert.match(v.kubectlOut, /exceeded its progress deadline/);
    assert.equal(v.gdeploy, 'failed');
  });

  test('a Deployment still rolling out when the time is up', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    // A progress deadline far away: only the timeout may end these waits.
    await c.create(workload({ name: 'web', image: LATEST, replicas: 2, extraSpec: '  progressDeadlineSeconds: 100000\n' }));
    await c.rolledOut('deployment/web');
    await setImage(c, 'deployment/web', `web=${STUCK}`);
    const v = await both(c, 'Deployment', 'web', 5);
    assert.equal(v.kubectl, 'timeout', v.kubectlOut);
    assert.equal(v.gdeploy, 'timeout');
  });

  test('a StatefulSet and a DaemonSet that roll out', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ kind: 'StatefulSet', name: 'db', image: LATEST, replicas: 2 }));
    await c.create(workload({ kind: 'DaemonSet', name: 'agent', image: LATEST }));
    await setImage(c, 'statefulset/db', `db=${V1}`);
    await setImage(c, 'daemonset/agent', `agent=${V1}`);
    const [sts, ds] = await Promise.all([both(c, 'StatefulSet', 'db', 60), both(c, 'DaemonSet', 'agent', 60)]);
    assert.equal(sts.kubectl, 'done', sts.kubectlOut);
    assert.equal(sts.gdeploy, 'done');
    assert.equal(ds.kubectl, 'done', ds.kubectlOut);
    assert.equal(ds.gdeploy, 'done');
  });

  test('a StatefulSet whose new Pod never gets ready is still going for both at the deadline', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create(workload({ kind: 'StatefulSet', name: 'db', image: LATEST, replicas: 2 }));
    await setImage(c, 'statefulset/db', `db=${STUCK}`);
    const v = await both(c, 'StatefulSet', 'db', 5);
    assert.equal(v.kubectl, 'timeout', v.kubectlOut);
    assert.equal(v.gdeploy, 'timeout');
  });
});
