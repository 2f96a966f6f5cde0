import { test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { KubeObject } from '../../src/kube/types.js';
import { extractOwned } from '../../src/engine/extract.js';

// A Deployment as the server returns it after `gdeploy apply` (manager gdeploy)
// and a `kubectl scale` (manager kubectl, which took over spec.replicas).
const live = yaml.load(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  uid: 1234
  resourceVersion: "42"
  generation: 3
  labels: {app: web, team: a}
  annotations: {deployment.kubernetes.io/revision: "2"}
  finalizers: [example.com/keep]
  managedFields:
  - manager: gdeploy
    operation: Apply
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata:
        f:labels: {f:app: {}}
        f:finalizers: {v:"example.com/keep": {}}
      f:spec:
        f:selector: {}
        f:template:
          f:metadata: {f:labels: {f:app: {}}}
          f:spec:
            f:containers:
              k:{"name":"web"}:
                .: {}
                f:name: {}
                f:image: {}
                f:env:
                  k:{"name":"MODE"}: {.: {}, f:name: {}, f:value: {}}
                f:args: {}
  - manager: kubectl
    operation: Update
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1: {f:spec: {f:replicas: {}}}
  - manager: kube-controller-manager
    operation: Update
    subresource: status
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1: {f:status: {f:replicas: {}}}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: sidecar
        image: envoy:1
      - name: web
        image: web:1
        args: [--port, "80"]
        imagePullPolicy: IfNotPresent
        env:
        - {name: OTHER, value: x}
        - {name: MODE, value: prod}
status: {replicas: 5}
`) as KubeObject;

test('extract keeps exactly the fields the manager applied', () => {
  assert.deepEqual(extractOwned(live, 'gdeploy'), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['example.com/keep'] },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'web', image: 'web:1', args: ['--port', '80'], env: [{ name: 'MODE', value: 'prod' }] }],
        },
      },
    },
  });
});

test('fields another manager took over are left out', () => {
  const owned = extractOwned(live, 'gdeploy') as KubeObject & { spec: { replicas?: number } };
  assert.equal(owned.spec.replicas, undefined);
});

test('a manager that owns nothing gets only the identity', () => {
  assert.deepEqual(extractOwned(live, 'someone-else'), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
  });
});

test('Update entries and subresources are not what the manager applied', () => {
  assert.deepEqual(extractOwned(live, 'kubectl').spec, undefined);
  assert.equal(extractOwned(live, 'kube-controller-manager').status, undefined);
});

test('an item owned only as a member brings its key, not its other fields', () => {
  const obj = yaml.load(`
apiVersion: v1
kind: Pod
metadata:
  name: p
  managedFields:
  - manager: m
    operation: Apply
    apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1: {f:spec: {f:containers: {'k:{"name":"a"}': {.: {}}}}}
spec:
  containers: [{name: a, image: x}]
`) as KubeObject;
  assert.deepEqual(extractOwned(obj, 'm').spec, { containers: [{ name: 'a' }] });
});
