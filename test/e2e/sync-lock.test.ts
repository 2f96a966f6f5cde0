// `gdeploy sync`: one operation per app at a time, through the app's Lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { gitopsSuite } from '../helpers/gitrepo.js';
import { microTime } from '../../src/engine/lock.js';

const suite = gitopsSuite();

test('the app lock: a live holder is named (exit 5), an expired lease is taken over, concurrent syncs end consistent', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('locked');
  const sha = await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: locked\ndata:\n  v: "1"\n' });
  const lease = (renewed: Date) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'gdeploy-lock.locked' },
    spec: { holderIdentity: 'alice@ci-runner pid 4242 (sync)', leaseDurationSeconds: 30, acquireTime: microTime(renewed), renewTime: microTime(renewed) },
  });
  // Another machine's sync holds the lock.
  await c.create(yaml.dump(lease(new Date())));
  const busy = await c.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
  assert.equal(busy.code, 5);
  assert.match(busy.stderr, new RegExp(`app ${c.ns}/locked is locked by alice@ci-runner pid 4242 \\(sync\\) since .*; the lease expires at .* unless its holder renews it`));
  assert.equal(await c.get('configmap/locked'), undefined, 'nothing applied');

  // The holder was killed: its lease ran out a minute ago.
  const replaced = await c.kubectl(['replace', '-f', '-'], yaml.dump(lease(new Date(Date.now() - 90_000))));
  assert.equal(replaced.code, 0, replaced.stderr);
  const takeover = await c.gdeploy(['sync', '--repo', r.remote, '--lock-timeout', '0s']);
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.match(takeover.stderr, /took over the lock of alice@ci-runner pid 4242 \(sync\), which stopped renewing it \(expired /);

  // Two syncs at once: one waits for the other; both succeed on the same commit.
  const next = await r.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: locked\ndata:\n  v: "2"\n' });
  const [a, b] = await Promise.all([c.gdeploy(['sync', '--repo', r.remote]), c.gdeploy(['sync', '--repo', r.remote])]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const cm = await c.must('configmap/locked');
  assert.equal(cm.data.v, '2');
  assert.equal(cm.metadata.annotations?.['gdeploy.dev/revision'], `main@sha1:${next}`);
  const h = JSON.parse((await c.gdeploy(['history', '--app', 'locked', '-o', 'json'])).stdout);
  assert.deepEqual(h.revisions.map((x: { sha: string }) => x.sha), [next, sha], 'one revision per commit');
  const held = await c.must('lease/gdeploy-lock.locked');
  assert.equal(held.spec.holderIdentity, undefined, 'the lock is released');
});
