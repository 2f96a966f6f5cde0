import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { requiredAvailable, scaled } from '../../src/rollout/summary.js';
import type { Workload } from '../../src/rollout/checks/index.js';

const obj = (text: string) => yaml.load(text) as Workload;

test('percentages scale as intstr does: rounded up or down as asked', () => {
  assert.equal(scaled('25%', 2, true), 1);
  assert.equal(scaled('25%', 2, false), 0);
  assert.equal(scaled(3, 10, false), 3);
});

test('Deployment minimum: replicas - maxUnavailable, with the controller\'s fenceposts', () => {
  // Defaults 25%/25% of 2: surge 1, unavailable 0 -> all 2 must stay available.
  assert.equal(requiredAvailable(obj('{kind: Deployment, metadata: {}, spec: {replicas: 2}}')), 2);
  assert.equal(requiredAvailable(obj('{kind: Deployment, metadata: {}, spec: {replicas: 10, strategy: {rollingUpdate: {maxUnavailable: "30%"}}}}')), 7);
  // Both zero would never progress: the controller allows one unavailable.
  assert.equal(requiredAvailable(obj('{kind: Deployment, metadata: {}, spec: {replicas: 3, strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}}}')), 2);
  assert.equal(requiredAvailable(obj('{kind: Deployment, metadata: {}, spec: {replicas: 3, strategy: {type: Recreate}}}')), undefined);
});

test('StatefulSet and DaemonSet minimums', () => {
  assert.equal(requiredAvailable(obj('{kind: StatefulSet, metadata: {}, spec: {replicas: 3}}')), 2);
  assert.equal(requiredAvailable(obj('{kind: StatefulSet, metadata: {}, spec: {replicas: 3, updateStrategy: {type: OnDelete}}}')), undefined);
  assert.equal(requiredAvailable(obj('{kind: DaemonSet, metadata: {}, spec: {}, status: {desiredNumberScheduled: 4}}')), 3);
  assert.equal(requiredAvailable(obj('{kind: Job, metadata: {}, spec: {}}')), undefined);
});
