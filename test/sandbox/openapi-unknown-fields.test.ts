import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unknownFields } from '../../src/sandbox/unknown-fields.js';
import { BUILTIN_RESOURCES } from '../../src/sandbox/resources.js';
import type { ResourceType } from '../../src/sandbox/types.js';

const type = (kind: string): ResourceType => BUILTIN_RESOURCES.find((b) => b.type.kind === kind)!.type;

test('unknown fields of a built-in kind are found at any depth, with strict decoding paths', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, colour: 'red' },
    spec: {
      replicas: 2,
      foo: 'bar',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx', ports: [{ containerPort: 80, hostProt: 8080 }], resources: { limits: { cpu: '1' } } },
            { name: 'side', image: 'busybox', imagePullPolice: 'Always' },
          ],
        },
      },
    },
    status: { replicas: 2 },
  };
  assert.deepEqual(unknownFields(type('Deployment'), deployment), [
    'metadata.colour',
    'spec.foo',
    'spec.template.spec.containers[0].ports[0].hostProt',
    'spec.template.spec.containers[1].imagePullPolice',
  ]);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { anything: 'goes' } };
  assert.deepEqual(unknownFields(type('ConfigMap'), cm), []);
});

test('custom resources are checked against their CRD schema, preserved fields excepted', () => {
  const widgets: ResourceType = { ...type('ConfigMap'), group: 'example.com', kind: 'Widget', plural: 'widgets', listKind: 'WidgetList' };
  const schema = {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { size: { type: 'integer' }, extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
    },
  };
  const w = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', bogus: 1 }, spec: { size: 1, colour: 'red', extra: { free: true } } };
  assert.deepEqual(unknownFields(widgets, w, schema), ['metadata.bogus', 'spec.colour']);
  assert.deepEqual(unknownFields(widgets, w), ['metadata.bogus']);
});
