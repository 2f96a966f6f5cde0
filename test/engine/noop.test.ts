import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.js';
import { applyIsNoop } from '../../src/engine/noop.js';

const desired = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'default', labels: { app: 'x' } },
  data: { a: '1', b: '2' },
});

/** The live object as the server stores it after `desired` was applied by gdeploy, and someone else added a key. */
const live = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'c',
    namespace: 'default',
    uid: 'u',
    resourceVersion: '5',
    creationTimestamp: '2024-01-01T00:00:00Z',
    labels: { app: 'x' },
    managedFields: [
      { manager: 'gdeploy', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
      { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:other': {} } } },
    ],
  },
  data: { a: '1', b: '2', other: 'theirs' },
});

test('same owned fields with the same values: a no-op', () => {
  assert.equal(applyIsNoop(live(), desired(), 'gdeploy'), true);
});

test('a changed value, an added field or a dropped field: ask the server', () => {
  const changed = desired();
  (changed.data as Record<string, string>).a = '9';
  assert.equal(applyIsNoop(live(), changed, 'gdeploy'), false);
  const added = desired();
  (added.data as Record<string, string>).c = '3';
  assert.equal(applyIsNoop(live(), added, 'gdeploy'), false);
  const dropped = desired();
  delete (dropped.data as Record<string, string>).b;
  assert.equal(applyIsNoop(live(), dropped, 'gdeploy'), false);
});

test('a field taken over by another manager, another manager, another API version: ask the server', () => {
  const taken = live();
  taken.metadata.managedFields![0]!.fieldsV1 = { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } };
  assert.equal(applyIsNoop(taken, desired(), 'gdeploy'), false);
  assert.equal(applyIsNoop(live(), desired(), 'someone-else'), false);
  const old = live();
  old.metadata.managedFields![0]!.apiVersion = 'v1beta1';
  assert.equal(applyIsNoop(old, desired(), 'gdeploy'), false);
});
