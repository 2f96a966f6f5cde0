import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { KubeObject } from '../../src/kube/types.js';
import { imageReferenceProblem, resolveImageChanges, writeImages } from '../../src/engine/images.js';
import { parseResourceArgs } from '../../src/engine/resource-args.js';

test('image references follow the distribution grammar', () => {
  for (const ok of ['nginx', 'nginx:1.27', 'lyzhang1999/hello-world-flask:v1', 'registry.example.com:5000/team/app:2.1', 'Registry.Example.com/app:V1', `app@sha256:${'a'.repeat(64)}`, 'localhost/app']) {
    assert.equal(imageReferenceProblem(ok), undefined, ok);
  }
  assert.equal(imageReferenceProblem('lyzhang1999/Hello:v1'), 'repository name must be lowercase');
  assert.equal(imageReferenceProblem('app:tag:again'), 'invalid reference format');
  assert.equal(imageReferenceProblem('app:'), 'invalid reference format');
  assert.equal(imageReferenceProblem(''), 'image reference is empty');
  assert.equal(imageReferenceProblem('app :1'), 'image reference contains whitespace');
});

const cronJob = yaml.load(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: prep, image: "tools:1"}]
          containers: [{name: run, image: "job:1"}]
`) as KubeObject;

test('* reaches init containers too; unknown names are reported', () => {
  const all = resolveImageChanges(cronJob, new Map([['*', 'job:2']]));
  assert.deepEqual(all.changes.map((c) => [c.container, c.initContainer, c.from, c.to]), [
    ['prep', true, 'tools:1', 'job:2'],
    ['run', false, 'job:1', 'job:2'],
  ]);
  assert.deepEqual(resolveImageChanges(cronJob, new Map([['nope', 'x']])).unknown, ['nope']);
});

test('writing images into an apply body adds entries for containers it lacks', () => {
  const body: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' } };
  writeImages(body, [{ container: 'run', initContainer: false, from: 'job:1', to: 'job:2' }]);
  assert.deepEqual(body.spec, { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'run', image: 'job:2' }] } } } } });
});

test('resource arguments as kubectl takes them', () => {
  assert.deepEqual(parseResourceArgs(['deploy/web', 'sts/db'], false).named.map((n) => [n.type.kind, n.name]), [['Deployment', 'web'], ['StatefulSet', 'db']]);
  assert.deepEqual(parseResourceArgs(['deployments.apps', 'web'], false).named.map((n) => n.type.kind), ['Deployment']);
  assert.deepEqual(parseResourceArgs(['deploy,ds'], true).listed.map((t) => t.kind), ['Deployment', 'DaemonSet']);
  assert.throws(() => parseResourceArgs(['deploy'], false), /no name was specified/);
  assert.throws(() => parseResourceArgs(['widgets', 'x'], false), /doesn't have a resource type "widgets"/);
  assert.throws(() => parseResourceArgs(['deploy', 'web'], true), /names cannot be provided/);
});
