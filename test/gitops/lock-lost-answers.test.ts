// Taking the app's lock when the API server's answer is lost: the write went
// through, the connection broke before the reply. The lease is then ours, and
// gdeploy must know it (and later release it) instead of reporting the app as
// locked by itself, or leaving a lease held for nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { connect } from '../../src/kube/connect.js';
import { acquireAppLock, lockRef, microTime } from '../../src/engine/lock.js';

/** The next request with this method is carried out, and its connection cut before the answer. */
function loseAnswer(sb: Sandbox, method: string): void {
  let armed = true;
  sb.server.use((req, res) => {
    if (!armed || req.method !== method) return false;
    armed = false;
    res.end = (() => {
      req.socket.destroy();
      return res;
    }) as typeof res.end;
    return false;
  });
}

for (const [method, setup] of [
  ['POST', 'no lease yet (create)'],
  ['PUT', 'an expired lease of someone else (takeover)'],
] as const) {
  test(`a lock taken with its answer lost is held, then released: ${setup}`, async (t) => {
    const sb = await startSandbox({ workloads: false });
    const kube = await connect({ kubeconfig: sb.kubeconfigPath });
    t.after(async () => {
      kube.close();
      await sb.stop();
    });
    if (method === 'PUT') {
      const old = microTime(new Date(Date.now() - 120_000));
      await kube.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'gdeploy-lock.app', namespace: 'default' },
        spec: { holderIdentity: 'someone else', leaseDurationSeconds: 30, acquireTime: old, renewTime: old },
      });
    }
    loseAnswer(sb, method);
    const lock = await acquireAppLock(kube, { app: 'app', namespace: 'default', operation: 'apply', waitMs: 0 });
    const held = await kube.get(lockRef('app', 'default'));
    assert.equal((held.spec as { holderIdentity?: string }).holderIdentity, lock.identity);
    await lock.release();
    const after = await kube.get(lockRef('app', 'default'));
    assert.equal((after.spec as { holderIdentity?: string }).holderIdentity, undefined, 'released');
  });
}
