// `gdeploy sync`: one operation per app at a time, through the app's Lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

test('the app lock: a live holder is named (exit 5), an expired lease is taken over, concurrent syncs end consistent', async () => {
  const r = await suite.repo('locked');
  const sha = await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: locked\ndata:\n  v: "1"\n' });
  const lease = (renewed: Date) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'gdeploy-lock.locked', namespace: 'default' },
    spec: { holderIdentity: 'alice@ci-runner pid 4242 (sync)', leaseDurationSeconds: 30, acquireTime: renewed.toISOString(), renewTime: renewed.toISOString() },
  });
  const leases = suite.cluster.sandbox.store.resourceFor('coordination.k8s.io', 'Lease')!;
  suite.cluster.sandbox.store.create(leases, lease(new Date()));
  const busy = await suite.cluster.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
  assert.equal(busy.code, 5);
  assert.match(busy.stderr, /app default\/locked is locked by alice@ci-runner pid 4242 \(sync\) since .*; the lease expires at .* unless its holder renews it/);
  assert.equal(suite.cluster.get('', 'ConfigMap', 'locked'), undefined, 'nothing applied');

  // The holder was killed: its lease ran out a minute ago.
  const stale = suite.cluster.sandbox.store.get(leases, 'default', 'gdeploy-lock.locked')!;
  suite.cluster.sandbox.store.update(leases, { ...lease(new Date(Date.now() - 90_000)), metadata: { ...stale.metadata } });
  const takeover = await suite.cluster.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.match(takeover.stderr, /took over the lock of alice@ci-runner pid 4242 \(sync\), which stopped renewing it \(expired /);

  // Two syncs at once: one waits for the other; both succeed on the same commit.
  const next = await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: locked\ndata:\n  v: "2"\n' });
  const [a, b] = await Promise.all([suite.cluster.gdeploy(['sync', '--repo', r.remote]), suite.cluster.gdeploy(['sync', '--repo', r.remote])]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const cm = suite.cluster.get('', 'ConfigMap', 'locked')!;
  assert.equal((cm.data as Record<string, string>).v, '2');
  assert.equal(cm.metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${next}`);
  const h = JSON.parse((await suite.cluster.gdeploy(['history', '--app', 'locked', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { sha: string }) => x.sha), [next, sha], 'one revision per commit');
  const held = suite.cluster.sandbox.store.get(leases, 'default', 'gdeploy-lock.locked')!;
  assert.equal((held.spec as { holderIdentity?: string }).holderIdentity, undefined, 'the lock is released');
});
