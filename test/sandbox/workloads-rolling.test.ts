// The rolling-update guarantee, over random shapes: while a Deployment rolls
// from one template to another, available Pods never drop below
// replicas - maxUnavailable and Pods never exceed replicas + maxSurge (as in
// Kubernetes, Pods already terminating count for neither), and in the end
// every Pod runs the new template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../src/sandbox/types.js';
import { resolveFenceposts } from '../../src/sandbox/workloads/intstr.js';
import { condition, deployment, rolledOut, startCluster } from './workloads-harness.js';

type Pod = KubeObject & { spec: { containers: { image: string }[] }; status?: { phase?: string } };

const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`));

const shape = fc
  .record({
    replicas: fc.integer({ min: 1, max: 10 }),
    maxSurge: intOrPercent,
    maxUnavailable: intOrPercent,
    readyDelayMs: fc.integer({ min: 0, max: 25 }),
    probeDelaySeconds: fc.integer({ min: 0, max: 10 }),
  })
  .filter((s) => s.maxSurge !== 0 && s.maxSurge !== '0%' ? true : s.maxUnavailable !== 0 && s.maxUnavailable !== '0%');

test('rolling updates keep availability and surge within bounds and finish on the new template', async () => {
  await fc.assert(
    fc.asyncProperty(shape, async (s) => {
      const c = startCluster({ readyDelayMs: s.readyDelayMs, timeFactor: 0.001 });
      const { surge, unavailable } = resolveFenceposts(s.maxSurge, s.maxUnavailable, s.replicas);
      const violations: string[] = [];
      const probe = { readinessProbe: { initialDelaySeconds: s.probeDelaySeconds } };
      try {
        const spec = { replicas: s.replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: s.maxSurge, maxUnavailable: s.maxUnavailable } } };
        const d = deployment('app', 'example/app:1', spec);
        (d.spec as { template: { spec: { containers: object[] } } }).template.spec.containers[0] = {
          ...(d.spec as { template: { spec: { containers: object[] } } }).template.spec.containers[0],
          ...probe,
        };
        c.create(d);
        await c.waitFor('first rollout', () => rolledOut(c.get('Deployment', 'app')));
        const off = c.store.subscribe((ev) => {
          if (ev.object.kind !== 'Pod') return;
          const live = c.list<Pod>('Pod').filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
          const available = live.filter((p) => condition(p, 'Ready')?.status === 'True').length;
          if (live.length > s.replicas + surge) violations.push(`${live.length} Pods > ${s.replicas} + ${surge}`);
          if (available < s.replicas - unavailable) violations.push(`${available} available < ${s.replicas} - ${unavailable}`);
        });
        c.modify<KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } }>('Deployment', 'app', (o) => {
          o.spec.template.spec.containers[0]!.image = 'example/app:2';
        });
        await c.waitFor('second rollout', () => {
          const pods = c.list<Pod>('Pod');
          return rolledOut(c.get('Deployment', 'app')) && pods.length === s.replicas && pods.every((p) => p.spec.containers[0]!.image === 'example/app:2');
        });
        off();
        assert.deepEqual(violations.slice(0, 3), [], JSON.stringify({ ...s, surge, unavailable }));
        assert.deepEqual(c.wl.errors(), []);
      } finally {
        await c.stop();
      }
    }),
    { numRuns: 12 },
  );
});
