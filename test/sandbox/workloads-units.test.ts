// The pure pieces of the simulated cluster: hashes and names, rollout
// arithmetic, proportional scaling, image references and rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, randomSuffix, safeEncode } from '../../src/sandbox/workloads/hash.js';
import { resolveFenceposts, scaledValue } from '../../src/sandbox/workloads/intstr.js';
import { newRSNewReplicas, proportionalSizes } from '../../src/sandbox/workloads/deployment/util.js';
import type { Deployment, ReplicaSet } from '../../src/sandbox/workloads/objects.js';
import { ImageRegistry, normalizeImage } from '../../src/sandbox/workloads/registry.js';
import { greeting } from '../../src/sandbox/workloads/app.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };

test('template hashes look like the controller\'s and change with the template and the collision count', () => {
  const h = computeHash(template);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  assert.equal(computeHash(structuredClone(template)), h);
  assert.notEqual(computeHash({ ...template, spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } }), h);
  assert.notEqual(computeHash(template, 1), computeHash(template));
  // Each byte picks a letter: '0' is byte 48, 48 % 27 = 21 -> '4'; '9' is 57 -> 3 -> 'f'.
  assert.equal(safeEncode('09'), '4f');
  assert.match(randomSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('fenceposts: surge rounds up, unavailable rounds down, both zero becomes one unavailable', () => {
  const cases: [number | string, number | string, number, number, number][] = [
    ['25%', '25%', 2, 1, 0],
    ['25%', '25%', 10, 3, 2],
    [1, 0, 3, 1, 0],
    [0, '10%', 5, 0, 1],
    ['0%', '0%', 4, 0, 1],
    ['100%', '100%', 7, 7, 7],
  ];
  for (const [surge, unavailable, replicas, s, u] of cases) {
    assert.deepEqual(resolveFenceposts(surge, unavailable, replicas), { surge: s, unavailable: u }, `${surge}/${unavailable} of ${replicas}`);
  }
  assert.throws(() => scaledValue('x%', 4, true), /invalid value for IntOrString/);
});

function rs(name: string, replicas: number, created: string, maxReplicas?: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, creationTimestamp: created, annotations: maxReplicas ? { 'deployment.kubernetes.io/max-replicas': String(maxReplicas) } : {} },
    spec: { replicas, selector: {}, template },
  };
}

function dep(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas, selector: {}, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
  };
}

test('a new ReplicaSet grows only up to replicas + maxSurge in total', () => {
  const old = rs('old', 10, '2026-01-01T00:00:00Z');
  const fresh = rs('new', 0, '2026-01-02T00:00:00Z');
  assert.equal(newRSNewReplicas(dep(10), [old, fresh], fresh), 3);
  assert.equal(newRSNewReplicas(dep(10, 0, 1), [old, fresh], fresh), 0);
  assert.equal(newRSNewReplicas(dep(10, 0, 1), [rs('old', 9, '2026-01-01T00:00:00Z'), fresh], fresh), 1);
});

test('resizing mid-rollout shares the change in proportion, leftovers to the largest', () => {
  // 10 replicas, surge 3: 13 allowed before; scaled to 20 (surge 5): 25 allowed.
  const old = rs('old', 8, '2026-01-01T00:00:00Z', 13);
  const fresh = rs('new', 5, '2026-01-02T00:00:00Z', 13);
  const sizes = proportionalSizes(dep(20), [old, fresh]);
  assert.deepEqual([sizes.get(old), sizes.get(fresh)], [15, 10]);
  const down = proportionalSizes(dep(5), [old, fresh]);
  assert.equal(down.get(old)! + down.get(fresh)!, 5 + 2);
});

test('image references are normalised and pull failures worded as containerd does', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('lyzhang1999/hello-world-flask:v1'), 'docker.io/lyzhang1999/hello-world-flask:v1');
  assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(normalizeImage('ghcr.io/o/app@sha256:abc'), 'ghcr.io/o/app@sha256:abc');

  const reg = new ImageRegistry({ missing: ['*:gone'], crash: ['example/crash:*'], neverReady: ['docker.io/library/slow:*'] });
  assert.equal(reg.outcome('nginx:1.27'), 'ok');
  assert.equal(reg.outcome('app:gone'), 'missing');
  assert.equal(reg.outcome('example/crash:3'), 'crash');
  assert.equal(reg.outcome('slow:1'), 'neverReady');
  assert.equal(reg.outcome('registry.invalid/app:v2'), 'unresolvable');
  assert.equal(reg.outcome('registry.invalid:5000/app:v2'), 'unresolvable');
  reg.setRule('app:gone', 'ok');
  assert.equal(reg.outcome('app:gone'), 'ok');
  assert.match(reg.pullError('x:gone'), /^rpc error: code = NotFound desc = failed to pull and unpack image "docker.io\/library\/x:gone"/);
  assert.match(reg.imageID('nginx:1.27'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
});

test('the tutorial images answer as in the tutorial', () => {
  assert.equal(greeting('lyzhang1999/hello-world-flask:latest', 'p'), 'Hello, my first docker images! p');
  assert.equal(greeting('lyzhang1999/hello-world-flask', 'p'), 'Hello, my first docker images! p');
  assert.equal(greeting('lyzhang1999/hello-world-flask:v1', 'p'), 'Hello, my v1 version docker images! p');
  assert.equal(greeting('nginx:1.27', 'p'), 'Hello from nginx:1.27! p');
});
