// kubectl 1.32 against the sandbox's OpenAPI documents: client-side apply and
// diff compute their strategic merge patch from the v3 schema without falling
// back, and explain reads kinds and fields from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdManifest, SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';
import { helloWorld } from '../e2e/apply-harness.js';

const { kubectl, applyCrd } = useKubectlSandbox();

test('client-side apply and diff patch a Deployment by the v3 schema, with no fallback warning', { skip }, async () => {
  const created = await kubectl(['apply', '-f', '-'], helloWorld('lyzhang1999/hello-world-flask:latest'));
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout.trim(), 'deployment.apps/hello-world-flask created');

  const next = helloWorld('lyzhang1999/hello-world-flask:v1');
  const diff = await kubectl(['diff', '-f', '-'], next);
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /^\+\s+(- )?image: lyzhang1999\/hello-world-flask:v1$/m);
  assert.doesNotMatch(diff.stderr, /warning/i);

  const applied = await kubectl(['apply', '-f', '-', '-v=8'], next);
  assert.equal(applied.code, 0, applied.stderr);
  assert.doesNotMatch(applied.stderr, /error calculating patch/);
  // The patch is strategic: list entries are addressed by their merge keys.
  assert.match(applied.stderr, /Content-Type: application\/strategic-merge-patch\+json/);
  assert.match(applied.stderr, /\$setElementOrder\/containers/);
  assert.match(applied.stderr, /fieldValidation=Strict/);

  const image = await kubectl(['get', 'deploy', 'hello-world-flask', '-o', 'jsonpath={.spec.template.spec.containers[*].image}']);
  assert.equal(image.stdout, 'lyzhang1999/hello-world-flask:v1');
});

test('kubectl explain reads kinds and nested fields from the v3 documents', { skip }, async () => {
  const r = await kubectl(['explain', 'deployment.spec.template.spec.containers.ports']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Deployment/);
  assert.match(r.stdout, /VERSION:\s+v1/);
  assert.match(r.stdout, /containerPort\s+<integer> -required-/);
  assert.match(r.stdout, /Number of port to expose on the pod's IP address/);
  const cm = await kubectl(['explain', 'configmap']);
  assert.equal(cm.code, 0, cm.stderr);
  assert.match(cm.stdout, /data\s+<map\[string\]string>/);
});

test('a custom resource is explained from its CRD schema', { skip }, async () => {
  const crd = crdManifest({
    group: 'example.com',
    kind: 'Gadget',
    plural: 'gadgets',
    specProperties: { size: { type: 'integer', description: 'How big the gadget is.' } },
  });
  await applyCrd(crd);
  const r = await kubectl(['explain', 'gadgets.spec']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Gadget/);
  assert.match(r.stdout, /size\s+<integer>/);
  assert.match(r.stdout, /How big the gadget is\./);
});
