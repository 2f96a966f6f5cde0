import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { KubeObject } from '../../src/kube/types.js';
import { podProblems, problemKey } from '../../src/rollout/failures.js';
import { newRevisionPods } from '../../src/rollout/revision.js';

const obj = (text: string) => yaml.load(text) as KubeObject;

test('container problems come from waiting reasons, init containers first, with the spec image', () => {
  const pod = obj(`
kind: Pod
metadata: {name: web-1, namespace: default}
spec:
  initContainers: [{name: migrate, image: "tools:1"}]
  containers: [{name: web, image: "web:2"}, {name: sidecar, image: "proxy:1"}]
status:
  initContainerStatuses:
  - {name: migrate, state: {waiting: {reason: CreateContainerConfigError, message: secret "db" not found}}}
  containerStatuses:
  - name: web
    image: docker.io/library/web:2
    restartCount: 3
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container=web}}
    lastState: {terminated: {exitCode: 2, reason: Error}}
  - {name: sidecar, state: {waiting: {reason: ContainerCreating}}}
`);
  const problems = podProblems(pod);
  assert.deepEqual(problems.map((p) => [p.container, p.initContainer, p.reason, p.image]), [
    ['migrate', true, 'CreateContainerConfigError', 'tools:1'],
    ['web', false, 'CrashLoopBackOff', 'web:2'],
  ]);
  assert.equal(problems[1]!.lastTermination, 'exit code 2 (Error)');
});

test('ErrImagePull and ImagePullBackOff are one problem', () => {
  const p = (reason: string) => podProblems(obj(`
kind: Pod
metadata: {name: p, namespace: ns}
spec: {containers: [{name: c, image: x}]}
status: {containerStatuses: [{name: c, state: {waiting: {reason: ${reason}}}}]}
`))[0]!;
  assert.equal(problemKey(p('ErrImagePull')), problemKey(p('ImagePullBackOff')));
});

test("a DaemonSet's new Pods are those of the ControllerRevision that records its template", () => {
  const ds = obj('{kind: DaemonSet, metadata: {name: agent, uid: ds1}, spec: {template: {spec: {containers: [{name: a, image: "agent:2"}]}}}}');
  const owner = '[{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: ds1, controller: true}]';
  const revision = (n: number, hash: string, image: string) =>
    obj(`{kind: ControllerRevision, revision: ${n}, data: {spec: {template: {spec: {containers: [{name: a, image: "${image}"}]}, $patch: replace}}}, metadata: {name: agent-${hash}, labels: {controller-revision-hash: ${hash}}, ownerReferences: ${owner}}}`);
  const pods = ['aaa', 'bbb'].map((h) => obj(`{kind: Pod, metadata: {name: p-${h}, labels: {controller-revision-hash: ${h}}, ownerReferences: ${owner}}}`));
  const current = [revision(1, 'aaa', 'agent:1'), revision(2, 'bbb', 'agent:2')];
  assert.deepEqual(newRevisionPods(ds, pods, { controllerRevisions: current }).map((p) => p.metadata.name), ['p-bbb']);
  // The newest revision known is the previous one (its watch is behind): no Pod is known to be new.
  assert.deepEqual(newRevisionPods(ds, pods, { controllerRevisions: [current[0]!] }), []);
});

test("a Deployment's new Pods are those of the ReplicaSet with its revision", () => {
  const dep = obj('{kind: Deployment, metadata: {name: web, uid: d1, annotations: {deployment.kubernetes.io/revision: "2"}}, spec: {template: {}}}');
  const rs = (name: string, rev: string) =>
    obj(`{kind: ReplicaSet, metadata: {name: ${name}, uid: ${name}, annotations: {deployment.kubernetes.io/revision: "${rev}"}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]}}`);
  const pod = (name: string, owner: string) => obj(`{kind: Pod, metadata: {name: ${name}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: ${owner}, controller: true}]}}`);
  const pods = [pod('old-1', 'web-1'), pod('new-1', 'web-2')];
  assert.deepEqual(newRevisionPods(dep, pods, { replicaSets: [rs('web-1', '1'), rs('web-2', '2')] }).map((p) => p.metadata.name), ['new-1']);
});

test("a Deployment's revision annotation is not trusted before the controller has seen the current spec", () => {
  const owner = '[{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]';
  const template = (image: string) => `{spec: {containers: [{name: web, image: "${image}"}]}}`;
  // Generation 2 not observed yet: the annotation still names revision 1.
  const dep = obj(`{kind: Deployment, metadata: {name: web, uid: d1, generation: 2, annotations: {deployment.kubernetes.io/revision: "1"}}, spec: {template: ${template('web:2')}}, status: {observedGeneration: 1}}`);
  const rs = (name: string, rev: string, image: string) =>
    obj(`{kind: ReplicaSet, metadata: {name: ${name}, uid: ${name}, annotations: {deployment.kubernetes.io/revision: "${rev}"}, ownerReferences: ${owner}}, spec: {template: ${template(image)}}}`);
  const pod = (name: string, owner: string) => obj(`{kind: Pod, metadata: {name: ${name}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: ${owner}, controller: true}]}}`);
  const pods = [pod('old-1', 'web-1'), pod('new-1', 'web-2')];
  assert.deepEqual(newRevisionPods(dep, pods, { replicaSets: [rs('web-1', '1', 'web:1')] }), [], 'the new ReplicaSet is not known yet');
  assert.deepEqual(newRevisionPods(dep, pods, { replicaSets: [rs('web-1', '1', 'web:1'), rs('web-2', '2', 'web:2')] }).map((p) => p.metadata.name), ['new-1']);
});

test("a StatefulSet's updateRevision is not trusted before the controller has seen the current spec", () => {
  const owner = '[{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: s1, controller: true}]';
  const sts = (observedGeneration: number, updateRevision: string) =>
    obj(`{kind: StatefulSet, metadata: {name: db, uid: s1, generation: 2}, status: {observedGeneration: ${observedGeneration}, updateRevision: ${updateRevision}}}`);
  const pods = ['db-aaa', 'db-bbb'].map((h) => obj(`{kind: Pod, metadata: {name: p-${h}, labels: {controller-revision-hash: ${h}}, ownerReferences: ${owner}}}`));
  assert.deepEqual(newRevisionPods(sts(1, 'db-aaa'), pods, {}), []);
  assert.deepEqual(newRevisionPods(sts(2, 'db-bbb'), pods, {}).map((p) => p.metadata.name), ['p-db-bbb']);
});
