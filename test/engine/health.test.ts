// The health rules of `gdeploy status`, one object at a time, from YAML literals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { needsRelated, objectHealth, worstOf } from '../../src/engine/health.js';
import type { KubeObject } from '../../src/kube/types.js';
import { age, humanDuration } from '../../src/ui/age.js';

const obj = (text: string) => yaml.load(text) as KubeObject;

const rolling = obj(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod, uid: d1, generation: 2, annotations: {deployment.kubernetes.io/revision: "2"}}
spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: registry.invalid/web:2}]}}}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1}
`);
const newSet = obj(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-2, namespace: prod, uid: rs2, annotations: {deployment.kubernetes.io/revision: "2"}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]}
`);
const pullFails = obj(`
apiVersion: v1
kind: Pod
metadata: {name: web-2-abc, namespace: prod, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-2, uid: rs2, controller: true}]}
spec: {containers: [{name: web, image: registry.invalid/web:2}]}
status: {phase: Pending, containerStatuses: [{name: web, state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image "registry.invalid/web:2"'}}}]}
`);

test('a workload: Healthy once rolled out, Progressing while rolling, Degraded when a Pod of its new revision cannot pull', () => {
  assert.deepEqual(objectHealth({ ...rolling, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } }), { health: 'Healthy' });
  assert.equal(needsRelated(rolling), true);
  assert.equal(objectHealth(rolling).health, 'Progressing');
  assert.deepEqual(objectHealth(rolling, { pods: [pullFails], replicaSets: [newSet] }), {
    health: 'Degraded',
    reason: 'pod web-2-abc: ImagePullBackOff: Back-off pulling image "registry.invalid/web:2"',
  });
  const deadline = { ...rolling, status: { ...rolling.status!, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } };
  assert.deepEqual(objectHealth(deadline), { health: 'Degraded', reason: 'deployment "web" exceeded its progress deadline' });
});

test('other kinds: gone, being deleted, spec not observed, kstatus conditions, claims and CRDs', () => {
  assert.deepEqual(objectHealth(undefined), { health: 'Missing', reason: 'not found' });
  assert.equal(objectHealth(obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: c, deletionTimestamp: "2024-01-01T00:00:00Z"}}')).health, 'Progressing');
  assert.equal(objectHealth(obj('{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}')).health, 'Healthy');
  assert.match(objectHealth(obj('{apiVersion: x.io/v1, kind: Db, metadata: {name: d, generation: 3}, status: {observedGeneration: 2}}')).reason!, /observe generation 3 of Db/);
  assert.deepEqual(objectHealth(obj('{apiVersion: x.io/v1, kind: Db, metadata: {name: d}, status: {conditions: [{type: Stalled, status: "True", reason: NoDisk, message: volume full}]}}')), {
    health: 'Degraded',
    reason: 'Stalled=True (NoDisk): volume full',
  });
  assert.equal(objectHealth(obj('{apiVersion: x.io/v1, kind: Db, metadata: {name: d}, status: {conditions: [{type: Ready, status: "False"}]}}')).health, 'Progressing');
  assert.equal(objectHealth(obj('{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p}, status: {phase: Pending}}')).health, 'Progressing');
  assert.equal(objectHealth(obj('{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {name: dbs.x.io}, status: {conditions: [{type: Established, status: "True"}]}}')).health, 'Healthy');
});

test('an app is as healthy as its worst object, named kubectl-style', () => {
  const ref = (kind: string, name: string) => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace: 'prod', name });
  assert.deepEqual(
    worstOf([
      { ref: ref('ConfigMap', 'c'), subject: 'ConfigMap/prod/c', health: 'Missing', reason: 'not found' },
      { ref: ref('Deployment', 'web'), subject: 'Deployment/prod/web', health: 'Progressing', reason: 'waiting' },
    ]),
    { health: 'Missing', reason: 'configmap/c: not found' },
  );
  assert.deepEqual(worstOf([]), { health: 'Healthy' });
});

test('ages read like kubectl AGE', () => {
  assert.equal(humanDuration(45_000), '45s');
  assert.equal(humanDuration(-1_500), '0s');
  assert.equal(humanDuration(5 * 60_000 + 30_000), '5m30s');
  assert.equal(humanDuration(90 * 60_000), '90m');
  assert.equal(humanDuration(5 * 3_600_000 + 60_000), '5h1m');
  assert.equal(humanDuration(30 * 3_600_000), '30h');
  assert.equal(humanDuration(3 * 86_400_000 + 2 * 3_600_000), '3d2h');
  assert.equal(humanDuration(400 * 86_400_000), '400d');
  assert.equal(humanDuration(3 * 365 * 86_400_000 + 10 * 86_400_000), '3y10d');
  assert.equal(age(undefined), '-');
  assert.equal(age('2024-01-01T00:00:10Z', Date.parse('2024-01-01T00:01:00Z')), '50s');
});
