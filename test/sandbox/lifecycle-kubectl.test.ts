// Deleting what holds other objects, as a cluster does it: a Namespace goes
// Terminating and waits for its contents, a CRD gets its cleanup finalizer and
// waits for its custom resources; and a CRD whose conversion webhook caBundle
// holds no certificate is never established.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crdManifest, SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';
import { generateTlsMaterial } from '../../src/sandbox/tls.js';

const { kubectl, ok, getJson, applyCrd } = useKubectlSandbox();

const HOLD = 'example.com/hold';
const conditionsOf = (o: any) =>
  (o.status.conditions as { type: string; status: string; reason: string; message: string }[]).map(({ type, status, reason, message }) => ({ type, status, reason, message }));

test('a deleted Namespace is Terminating until its contents are gone, refuses new content, then disappears', { skip }, async () => {
  await ok(['create', 'namespace', 'doomed']);
  await ok(['-n', 'doomed', 'create', 'configmap', 'plain', '--from-literal=a=b']);
  await ok(['-n', 'doomed', 'create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: [HOLD] } }));
  assert.equal((await ok(['delete', 'namespace', 'doomed', '--wait=false'])).trim(), 'namespace "doomed" deleted');
  await ok(['wait', '--for=jsonpath={.status.conditions[?(@.type=="NamespaceContentRemaining")].status}=True', 'namespace/doomed', '--timeout=30s']);

  const ns = await getJson('namespace', 'doomed');
  assert.equal(ns.status.phase, 'Terminating');
  assert.match(ns.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(ns.metadata.deletionGracePeriodSeconds, undefined);
  assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
  assert.deepEqual(conditionsOf(ns), [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' },
    { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${HOLD} in 1 resource instances` },
  ]);
  const table = (await ok(['get', 'namespace', 'doomed'])).split('\n')[1]!.split(/\s+/);
  assert.deepEqual(table.slice(0, 2), ['doomed', 'Terminating']);
  assert.equal((await kubectl(['-n', 'doomed', 'get', 'configmap', 'plain'])).code, 1, 'content without finalizers is gone');

  const late = await kubectl(['-n', 'doomed', 'create', 'configmap', 'late']);
  assert.equal(late.code, 1);
  assert.equal(late.stderr.trim(), 'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  const again = await kubectl(['delete', 'namespace', 'doomed', '--wait=false']);
  assert.equal(
    again.stderr.trim(),
    'Error from server (Conflict): Operation cannot be fulfilled on namespaces "doomed": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
  );

  await ok(['-n', 'doomed', 'patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  await ok(['wait', '--for=delete', 'namespace/doomed', '--timeout=30s']);
  const gone = await kubectl(['get', 'namespace', 'doomed']);
  assert.equal(gone.stderr.trim(), 'Error from server (NotFound): namespaces "doomed" not found');
});

test('a CRD gets its cleanup finalizer when deleted, not before, and goes once its custom resources are gone', { skip }, async () => {
  await applyCrd(crdManifest({ group: 'example.com', kind: 'Widget', plural: 'widgets', specProperties: { size: { type: 'integer' } } }));
  const crd = await getJson('crd', 'widgets.example.com');
  assert.equal(crd.metadata.finalizers, undefined);
  assert.deepEqual(conditionsOf(crd), [
    { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
    { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
  ]);
  const widget = (name: string, finalizers?: string[]) =>
    JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec: { size: 1 } });
  await ok(['create', '-f', '-'], widget('plain'));
  await ok(['create', '-f', '-'], widget('held', [HOLD]));

  assert.equal((await ok(['delete', 'crd', 'widgets.example.com', '--wait=false'])).trim(), 'customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted');
  await ok(['wait', '--for=jsonpath={.metadata.deletionTimestamp}', 'widget/held', '--timeout=30s']);
  const deleting = await getJson('crd', 'widgets.example.com');
  assert.deepEqual(deleting.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
  assert.equal(deleting.metadata.deletionGracePeriodSeconds, undefined);
  assert.equal(deleting.metadata.generation, 1);
  assert.deepEqual(conditionsOf(deleting).find((c) => c.type === 'Terminating'), {
    type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress',
  });
  assert.equal((await kubectl(['get', 'widget', 'plain'])).code, 1, 'the custom resource without finalizers is gone');
  const late = await kubectl(['create', '-f', '-'], widget('late'));
  assert.equal(late.code, 1);
  assert.equal(late.stderr.trim(), 'Error from server (MethodNotAllowed): error when creating "STDIN": create not allowed while custom resource definition is terminating');

  await ok(['patch', 'widget', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  await ok(['wait', '--for=delete', 'crd/widgets.example.com', '--timeout=30s']);
  const gone = await kubectl(['get', 'crd', 'widgets.example.com']);
  assert.equal(gone.stderr.trim(), 'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "widgets.example.com" not found');
  assert.equal((await kubectl(['get', '--raw', '/apis/example.com/v1/namespaces/default/widgets'])).code, 1);
});

test('a conversion webhook caBundle without a certificate keeps the CRD from being established', { skip }, async () => {
  const withBundle = (plural: string, kind: string, caBundle: string) => {
    const crd = JSON.parse(crdManifest({ group: 'example.com', kind, plural, specProperties: { size: { type: 'integer' } } }));
    crd.spec.conversion = {
      strategy: 'Webhook',
      webhook: { clientConfig: { caBundle, service: { namespace: 'default', name: 'converter' } }, conversionReviewVersions: ['v1'] },
    };
    return JSON.stringify(crd);
  };
  await ok(['apply', '-f', '-'], withBundle('bads', 'Bad', Buffer.from('\n').toString('base64')));
  await ok(['wait', '--for=condition=Established=False', 'crd/bads.example.com', '--timeout=30s']);
  const bad = await getJson('crd', 'bads.example.com');
  assert.deepEqual(conditionsOf(bad), [
    { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
    { type: 'Established', status: 'False', reason: 'InvalidCABundle', message: 'The conversion webhook CABundle is invalid' },
  ]);
  const unlisted = await kubectl(['get', 'bads']);
  assert.equal(unlisted.code, 1);
  assert.match(unlisted.stderr, /the server doesn't have a resource type "bads"/);

  await applyCrd(withBundle('goods', 'Good', Buffer.from(generateTlsMaterial().caPem).toString('base64')));
  assert.equal((await ok(['get', 'goods'])).trim(), '');

  const missing = await kubectl(['apply', '-f', '-'], JSON.stringify({ ...JSON.parse(withBundle('nones', 'None', '')), spec: { ...JSON.parse(withBundle('nones', 'None', '')).spec, conversion: { strategy: 'Webhook' } } }));
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.trim(),
    'The CustomResourceDefinition "nones.example.com" is invalid: \n* spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook\n* spec.conversion.conversionReviewVersions: Required value: must specify one of v1, v1beta1',
  );
});
