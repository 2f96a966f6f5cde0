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

test("a DaemonSet's new Pods are those of its newest ControllerRevision", () => {
  const ds = obj('{kind: DaemonSet, metadata: {name: agent, uid: ds1}}');
  const owner = '[{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: ds1, controller: true}]';
  const revisions = [
    obj(`{kind: ControllerRevision, revision: 1, metadata: {name: agent-aaa, labels: {controller-revision-hash: aaa}, ownerReferences: ${owner}}}`),
    obj(`{kind: ControllerRevision, revision: 2, metadata: {name: agent-bbb, labels: {controller-revision-hash: bbb}, ownerReferences: ${owner}}}`),
  ];
  const pods = ['aaa', 'bbb'].map((h) => obj(`{kind: Pod, metadata: {name: p-${h}, labels: {controller-revision-hash: ${h}}, ownerReferences: ${owner}}}`));
  assert.deepEqual(newRevisionPods(ds, pods, { controllerRevisions: revisions }).map((p) => p.metadata.name), ['p-bbb']);
});

test("a Deployment's new Pods are those of the ReplicaSet with its revision", () => {
  const dep = obj('{kind: Deployment, metadata: {name: web, uid: d1, annotations: {deployment.kubernetes.io/revision: "2"}}, spec: {template: {}}}');
  const rs = (name: string, rev: string) =>
    obj(`{kind: ReplicaSet, metadata: {name: ${name}, uid: ${name}, annotations: {deployment.kubernetes.io/revision: "${rev}"}, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]}}`);
  const pod = (name: string, owner: string) => obj(`{kind: Pod, metadata: {name: ${name}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: ${owner}, controller: true}]}}`);
  const pods = [pod('old-1', 'web-1'), pod('new-1', 'web-2')];
  assert.deepEqual(newRevisionPods(dep, pods, { replicaSets: [rs('web-1', '1'), rs('web-2', '2')] }).map((p) => p.metadata.name), ['new-1']);
});
