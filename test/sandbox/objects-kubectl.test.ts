// What a cluster stores of what kubectl sends: a Secret's stringData lands in
// data, immutable ConfigMaps and Secrets refuse changes, quantities come back
// canonical, empty maps are not kept, and custom resources are checked against
// their schema with kube-apiserver's wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdManifest, SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';

const { kubectl, ok, getJson, applyCrd } = useKubectlSandbox();

async function refused(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 1, `kubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr.trim();
}

test('a Secret\'s stringData is stored base64-encoded in data and not kept', { skip }, async () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds' },
    data: { user: Buffer.from('admin').toString('base64'), password: Buffer.from('old').toString('base64') },
    stringData: { password: 'hunter2' },
  };
  await ok(['create', '-f', '-'], JSON.stringify(secret));
  const created = await getJson('secret', 'creds');
  assert.deepEqual(created.data, { password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('admin').toString('base64') });
  assert.equal(created.stringData, undefined);
  assert.equal(created.type, 'Opaque');
  await ok(['patch', 'secret', 'creds', '--type=merge', '-p', '{"stringData":{"token":"abc"}}']);
  const patched = await getJson('secret', 'creds');
  assert.equal(patched.data.token, Buffer.from('abc').toString('base64'));
  assert.equal(patched.stringData, undefined);
  const bad = await refused(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, stringData: { 'no/slash': 'x' } }));
  assert.match(bad, /The Secret "bad" is invalid: data\[no\/slash\]: Invalid value: "no\/slash": a valid config key must consist of alphanumeric characters/);
});

test('Secret types require their keys; a Secret\'s type cannot change', { skip }, async () => {
  const tls = await refused(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } }));
  assert.equal(tls, 'The Secret "tls" is invalid: data[tls.key]: Required value');
  await ok(['create', 'secret', 'generic', 'plain', '--from-literal=a=b']);
  const retype = await refused(['patch', 'secret', 'plain', '--type=merge', '-p', '{"type":"example.com/other"}']);
  assert.equal(retype, 'The Secret "plain" is invalid: type: Invalid value: "example.com/other": field is immutable');
});

test('immutable ConfigMaps and Secrets refuse changes to their data and to immutable itself', { skip }, async () => {
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true }));
  const data = await refused(['patch', 'configmap', 'frozen', '--type=merge', '-p', '{"data":{"a":"2"}}']);
  assert.equal(data, 'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  const binary = await refused(['patch', 'configmap', 'frozen', '--type=merge', '-p', '{"binaryData":{"b":"AA=="}}']);
  assert.equal(binary, 'The ConfigMap "frozen" is invalid: binaryData: Forbidden: field is immutable when `immutable` is set');
  const thaw = await refused(['patch', 'configmap', 'frozen', '--type=merge', '-p', '{"immutable":false}']);
  assert.equal(thaw, 'The ConfigMap "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
  // Metadata stays writable.
  await ok(['label', 'configmap', 'frozen', 'team=a']);

  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sealed' }, stringData: { k: 'v' }, immutable: true }));
  const viaStringData = await refused(['patch', 'secret', 'sealed', '--type=merge', '-p', '{"stringData":{"k":"w"}}']);
  assert.equal(viaStringData, 'The Secret "sealed" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  const both = await refused(['patch', 'secret', 'sealed', '--type=merge', '-p', '{"immutable":false,"data":{"k":"eA=="}}']);
  assert.equal(
    both,
    'The Secret "sealed" is invalid: \n* immutable: Forbidden: field is immutable when `immutable` is set\n* data: Forbidden: field is immutable when `immutable` is set',
  );
});

test('resource quantities are stored in canonical form', { skip }, async () => {
  const container = (name: string, requests: Record<string, unknown>, limits: Record<string, unknown>) => ({ name, image: 'nginx:1.27', resources: { requests, limits } });
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sized' },
    spec: {
      selector: { matchLabels: { app: 'sized' } },
      template: {
        metadata: { labels: { app: 'sized' } },
        spec: {
          containers: [
            container('a', { cpu: 2, memory: '1024Mi' }, { cpu: '2000m', memory: '0.5Gi' }),
            container('b', { cpu: '500m', memory: '1000Mi' }, { cpu: 1000, memory: '1Gi', 'ephemeral-storage': '1.5Gi' }),
            container('c', { cpu: '0.1' }, { cpu: '1.5' }),
          ],
        },
      },
    },
  };
  await ok(['apply', '--server-side', '-f', '-'], JSON.stringify(deployment));
  const live = await getJson('deployment', 'sized');
  const resources = live.spec.template.spec.containers.map((c: { resources: unknown }) => c.resources);
  assert.deepEqual(resources, [
    { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '2', memory: '512Mi' } },
    { requests: { cpu: '500m', memory: '1000Mi' }, limits: { cpu: '1k', memory: '1Gi', 'ephemeral-storage': '1536Mi' } },
    { requests: { cpu: '100m' }, limits: { cpu: '1500m' } },
  ]);
  await ok(['create', 'quota', 'q', '--hard=cpu=2000m,memory=2048Mi,pods=10']);
  assert.deepEqual((await getJson('resourcequota', 'q')).spec.hard, { cpu: '2', memory: '2Gi', pods: '10' });
  const limitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '1000m' }, max: { memory: '4096Mi' } }] } };
  await ok(['create', '-f', '-'], JSON.stringify(limitRange));
  const lr = (await getJson('limitrange', 'lr')).spec.limits[0];
  assert.deepEqual([lr.default, lr.max], [{ cpu: '1' }, { memory: '4Gi' }]);
  const bad = await refused(['create', '-f', '-'], JSON.stringify({ ...limitRange, metadata: { name: 'bad' }, spec: { limits: [{ type: 'Container', max: { cpu: 'lots' } }] } }));
  assert.equal(
    bad,
    'Error from server (BadRequest): error when creating "STDIN": LimitRange in version "v1" cannot be handled as a LimitRange: quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
  );
});

test('empty maps and lists are not kept on built-in objects; custom resources keep them', { skip }, async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'empty', labels: {}, annotations: {}, finalizers: [] }, data: {} };
  await ok(['create', '-f', '-'], JSON.stringify(cm));
  const live = await getJson('configmap', 'empty');
  assert.equal(live.data, undefined);
  assert.deepEqual(Object.keys(live.metadata).sort(), ['creationTimestamp', 'name', 'namespace', 'resourceVersion', 'uid']);
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty' }, data: {} }));
  assert.equal((await getJson('secret', 'empty')).data, undefined);
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'none' }, rules: [] }));
  // Role.rules has no omitempty: an empty list reads back as null.
  assert.equal((await getJson('role', 'none')).rules, null);

  await applyCrd(crdManifest({ group: 'example.com', kind: 'Box', plural: 'boxes', specProperties: { tags: { type: 'object', additionalProperties: { type: 'string' } } } }));
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Box', metadata: { name: 'b' }, spec: { tags: {} } }));
  assert.deepEqual((await getJson('box', 'b')).spec, { tags: {} });
});

test('custom resources are validated with kube-openapi\'s messages', { skip }, async () => {
  await applyCrd(
    crdManifest({
      group: 'example.com',
      kind: 'Gauge',
      plural: 'gauges',
      specProperties: {
        size: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1 },
        color: { type: 'string', enum: ['red', 'blue'] },
        code: { type: 'string', pattern: '^[a-z]+$', minLength: 2 },
        name: { type: 'string', maxLength: 3 },
        items: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
        tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        nested: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        maybe: { type: 'string', default: 'x' },
      },
    }),
  );
  const create = (name: string, spec: Record<string, unknown>) =>
    refused(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gauge', metadata: { name }, spec }));
  const one = async (spec: Record<string, unknown>) => (await create('g', spec)).replace(/^The Gauge "g" is invalid: /, '');
  assert.equal(await one({ size: 'three' }), 'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
  assert.equal(await one({ size: 2.5 }), 'spec.size: Invalid value: "number": spec.size in body must be of type integer: "number"');
  assert.equal(await one({ color: 7 }), 'spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer"');
  assert.equal(await one({ items: 'a' }), 'spec.items: Invalid value: "string": spec.items in body must be of type array: "string"');
  assert.equal(await one({ nested: [] }), 'spec.nested: Invalid value: "array": spec.nested in body must be of type object: "array"');
  assert.equal(await one({ size: 0 }), 'spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1');
  assert.equal(await one({ size: 11 }), 'spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10');
  assert.equal(await one({ ratio: 1 }), 'spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1');
  assert.equal(await one({ color: 'green' }), 'spec.color: Unsupported value: "green": supported values: "red", "blue"');
  assert.equal(await one({ code: 'AB' }), 'spec.code: Invalid value: "AB": spec.code in body should match \'^[a-z]+$\'');
  assert.equal(await one({ code: 'a' }), 'spec.code: Invalid value: "a": spec.code in body should be at least 2 chars long');
  assert.equal(await one({ name: 'abcd' }), 'spec.name: Too long: may not be more than 3 bytes');
  assert.equal(await one({ items: [] }), 'spec.items: Invalid value: 0: spec.items in body should have at least 1 items');
  assert.equal(await one({ items: ['a', 'b', 'c'] }), 'spec.items: Too many: 3: must have at most 2 items');
  assert.equal(await one({ tags: ['a', 'a'] }), 'spec.tags: Invalid value: "": spec.tags in body shouldn\'t contain duplicates');
  assert.equal(await one({ nested: {} }), 'spec.nested.id: Required value');
  // A null where the schema allows none is dropped (and defaulted), not refused.
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gauge', metadata: { name: 'nulls' }, spec: { size: null, maybe: null } }));
  assert.deepEqual((await getJson('gauge', 'nulls')).spec, { maybe: 'x' });
});
