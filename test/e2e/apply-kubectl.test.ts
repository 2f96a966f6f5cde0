// gdeploy and kubectl agree: the same directory applied by `gdeploy apply` on
// one sandbox and by `kubectl apply --server-side` on another leaves the same
// objects, apart from what differs between any two clusters or field managers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_KUBECTL, NO_KUBECTL, cluster, configMap, helloWorld, manifests } from './apply-harness.js';
import { TUTORIAL_SERVICE } from '../helpers/examples.js';

const service = TUTORIAL_SERVICE;
const secret = `apiVersion: v1
kind: Secret
metadata:
  name: creds
type: Opaque
stringData:
  password: hunter2
data:
  user: YWRtaW4=
`;
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n';

const OBJECTS = [
  ['namespace/shop', undefined],
  ['deployment/hello-world-flask', 'default'],
  ['service/hello-world-flask', 'default'],
  ['configmap/settings', 'default'],
  ['configmap/in-shop', 'shop'],
  ['secret/creds', 'default'],
] as const;

const GDEPLOY_LABELS = ['app.kubernetes.io/managed-by', 'gdeploy.dev/app'];

type Json = Record<string, any>;

/** Leaves out what two clusters or two field managers legitimately differ in. */
function normalize(obj: Json): Json {
  const o = structuredClone(obj);
  const m = o.metadata;
  for (const f of ['uid', 'resourceVersion', 'creationTimestamp']) delete m[f];
  for (const l of GDEPLOY_LABELS) delete m.labels?.[l];
  if (m.labels && Object.keys(m.labels).length === 0) delete m.labels;
  m.managedFields = (m.managedFields ?? [])
    .map((f: Json) => {
      const fields = f.fieldsV1?.['f:metadata']?.['f:labels'];
      for (const l of GDEPLOY_LABELS) delete fields?.[`f:${l}`];
      if (fields && Object.keys(fields).length === 0) delete f.fieldsV1['f:metadata']['f:labels'];
      if (f.fieldsV1?.['f:metadata'] && Object.keys(f.fieldsV1['f:metadata']).length === 0) delete f.fieldsV1['f:metadata'];
      return { ...f, manager: f.operation === 'Apply' ? '<applier>' : f.manager, time: undefined };
    })
    // An entry left with no fields (it owned only gdeploy's labels) is one the server would not keep.
    .filter((f: Json) => Object.keys(f.fieldsV1 ?? {}).length > 0)
    .sort((a: Json, b: Json) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  // Allocated by the cluster: differ between any two clusters.
  if (o.kind === 'Service') {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
  }
  if (o.kind === 'Deployment') delete o.status?.conditions;
  return o;
}

test('gdeploy apply and kubectl apply --server-side leave the same objects', { skip: !HAVE_KUBECTL && NO_KUBECTL }, async (t) => {
  const [g, k] = await Promise.all([cluster(t), cluster(t)]);
  const dir = manifests(t, 'shop', {
    '0-namespace.yaml': namespace,
    'deployment.yaml': helloWorld(),
    'service.yaml': service,
    'config.yaml': `${configMap('settings', { greeting: 'hello', count: '3' })}---\n${configMap('in-shop', { a: 'b' }, 'shop')}`,
    'secret.yaml': secret,
  });
  const gr = await g.gdeploy(['apply', '-f', dir, '--no-wait']);
  assert.equal(gr.code, 0, gr.stderr);
  const kr = await k.kubectl(['apply', '--server-side', '-f', dir]);
  assert.equal(kr.code, 0, kr.stderr);
  for (const c of [g, k]) {
    const r = await c.kubectl(['rollout', 'status', 'deployment/hello-world-flask', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
  }
  for (const [name, ns] of OBJECTS) {
    const [a, b] = await Promise.all([g.get(name, ns), k.get(name, ns)]);
    assert.ok(a && b, `${name} exists in both`);
    assert.deepEqual(normalize(a), normalize(b), `${name} differs`);
  }
});
