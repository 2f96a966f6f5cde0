// gdeploy and kubectl agree: the same directory applied by `gdeploy apply` in
// one namespace (of one cluster) and by `kubectl apply --server-side` in
// another leaves the same objects, apart from what differs between any two
// namespaces, clusters or field managers.
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
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

/** The objects to compare, and where they are: the context namespace, or the Namespace the manifests make. */
const OBJECTS = [
  ['namespace/SHOP', undefined],
  ['deployment/hello-world-flask', 'NS'],
  ['service/hello-world-flask', 'NS'],
  ['configmap/settings', 'NS'],
  ['configmap/in-shop', 'SHOP'],
  ['secret/creds', 'NS'],
] as const;

const GDEPLOY_LABELS = ['app.kubernetes.io/managed-by', 'gdeploy.dev/app'];

type Json = Record<string, any>;

/** Leaves out what two namespaces, clusters or field managers legitimately differ in; `names` become placeholders. */
function normalize(obj: Json, names: Record<string, string>): Json {
  let text = JSON.stringify(obj);
  for (const [name, placeholder] of Object.entries(names)) text = text.replaceAll(name, placeholder);
  const o = JSON.parse(text);
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
  const shops = [g.clusterName('Namespace', 'shop'), k.clusterName('Namespace', 'shop')];
  const dirs = shops.map((shop) =>
    manifests(t, 'shop', {
      '0-namespace.yaml': namespace(shop),
      'deployment.yaml': helloWorld(),
      'service.yaml': service,
      'config.yaml': `${configMap('settings', { greeting: 'hello', count: '3' })}---\n${configMap('in-shop', { a: 'b' }, shop)}`,
      'secret.yaml': secret,
    }),
  );
  const gr = await g.gdeploy(['apply', '-f', dirs[0]!, '--no-wait']);
  assert.equal(gr.code, 0, gr.stderr);
  const kr = await k.kubectl(['apply', '--server-side', '-f', dirs[1]!]);
  assert.equal(kr.code, 0, kr.stderr);
  for (const c of [g, k]) await c.rolledOut('deployment/hello-world-flask');
  const names = [g, k].map((c, i) => ({ [shops[i]!]: 'SHOP', [c.ns]: 'NS' }));
  for (const [kindName, where] of OBJECTS) {
    const [a, b] = await Promise.all(
      [g, k].map((c, i) => {
        const ns = where && (where === 'NS' ? c.ns : shops[i]!);
        return c.get(kindName.replace('SHOP', shops[i]!), ns);
      }),
    );
    assert.ok(a && b, `${kindName} exists in both`);
    assert.deepEqual(normalize(a, names[0]!), normalize(b, names[1]!), `${kindName} differs`);
  }
});
