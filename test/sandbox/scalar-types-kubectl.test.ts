// A scalar of the wrong type in a built-in object (a YAML 1.1 `yes` where a
// ConfigMap holds strings, a quoted number of replicas) is refused as
// kube-apiserver refuses it: by Go's JSON decoder for create and update (400),
// by structured-merge-diff for server-side apply (500, every field named).
// Quantities and int-or-string fields take numbers, as on a cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_WITHOUT_KUBECTL, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';

const k = useKubectlSandbox();
const skip = SKIP_WITHOUT_KUBECTL;

const flags = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  namespace: default\ndata:\n  enabled: yes\n';
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: typed
  namespace: default
spec:
  replicas: "3"
  selector: {matchLabels: {app: typed}}
  template:
    metadata: {labels: {app: typed}}
    spec:
      containers:
      - name: web
        image: 5
`;

test('kubectl apply (create): json: cannot unmarshal bool into Go struct field ConfigMap.data of type string', { skip }, async () => {
  const r = await k.kubectl(['apply', '-f', '-'], flags);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string',
  );
  const d = await k.kubectl(['create', '-f', '-'], deployment);
  assert.equal(d.code, 1);
  assert.match(d.stderr, /Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
});

test('kubectl apply --server-side: failed to create typed patch object, naming every field, keyed list items by key', { skip }, async () => {
  const r = await k.kubectl(['apply', '--server-side', '-f', '-'], flags);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'Error from server: failed to create typed patch object (default/flags; /v1, Kind=ConfigMap): .data.enabled: expected string, got &value.valueUnstructured{Value:true}',
  );
  const d = await k.kubectl(['apply', '--server-side', '-f', '-'], deployment);
  assert.equal(d.code, 1);
  assert.equal(
    d.stderr.trim(),
    'Error from server: failed to create typed patch object (default/typed; apps/v1, Kind=Deployment): errors:\n' +
      '  .spec.replicas: expected numeric (int or float), got string\n' +
      '  .spec.template.spec.containers[name="web"].image: expected string, got &value.valueUnstructured{Value:5}',
  );
  assert.equal((await k.kubectl(['get', 'configmap', 'flags'])).code, 1, 'nothing stored');
});

test('numbers are valid quantities and int-or-string values', { skip }, async () => {
  const ok = deployment
    .replace('replicas: "3"', 'replicas: 3')
    .replace('image: 5', 'image: nginx\n        resources: {limits: {cpu: 2, memory: 1Gi}}\n        ports: [{containerPort: 80}]')
    .replace('  replicas: 3', '  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}}');
  const r = await k.kubectl(['apply', '--server-side', '-f', '-'], ok);
  assert.equal(r.code, 0, r.stderr);
});
