// kubectl 1.32 against the sandbox with its controllers running: what the
// registry and kube-controller-manager write on Deployments, ReplicaSets,
// StatefulSets, DaemonSets and custom resources, read back as a user of a real
// cluster reads it (metadata.generation, managedFields, status, events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_WITHOUT_KUBECTL as skip, crdManifest, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';
import type { KubeObject } from '../../src/sandbox/types.js';

const { kubectl, applyCrd } = useKubectlSandbox({ sandbox: { workloads: true, readyDelayMs: 20 } });

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function get<T = KubeObject>(kind: string, name: string): Promise<KubeObject & T> {
  return JSON.parse(await ok(['get', kind, name, '-o', 'json', '--show-managed-fields'])) as KubeObject & T;
}

async function generation(kind: string, name: string): Promise<number> {
  return (await get(kind, name)).metadata.generation!;
}

type Workload = { spec: Record<string, unknown> & { template: { metadata: object; spec: Record<string, unknown> } }; status: Record<string, unknown> };

function deployment(name: string, image: string, extra: { replicas?: number; spec?: Record<string, unknown>; template?: Record<string, unknown>; container?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...extra.template },
        spec: { containers: [{ name: 'app', image, ...extra.container }] },
      },
      ...extra.spec,
    },
  });
}

async function rolledOut(kind: string, name: string): Promise<void> {
  await ok(['rollout', 'status', `${kind}/${name}`, '--timeout=60s']);
}

async function replicaSetsOf(name: string): Promise<(KubeObject & Workload)[]> {
  const list = JSON.parse(await ok(['get', 'replicasets', '-l', `app=${name}`, '-o', 'json', '--show-managed-fields'])) as { items: (KubeObject & Workload)[] };
  return list.items;
}

const REVISION = 'deployment.kubernetes.io/revision';
/** Who holds fields, as `manager operation [subresource]`, sorted (the server orders entries by time). */
const managers = (o: KubeObject) => o.metadata.managedFields?.map((e) => [e.manager, e.operation, e.subresource ?? ''].join(' ').trim()).sort();

test('metadata.generation moves once per spec change on every write path, never for a no-op or a status write', { skip }, async () => {
  await ok(['create', '-f', '-'], deployment('gen', 'example/gen:1'));
  assert.equal(await generation('deployment', 'gen'), 1);
  const steps: [string, string[], number][] = [
    ['strategic merge patch', ['patch', 'deployment', 'gen', '-p', '{"spec":{"replicas":3}}'], 2],
    ['the same patch again', ['patch', 'deployment', 'gen', '-p', '{"spec":{"replicas":3}}'], 2],
    ['JSON patch', ['patch', 'deployment', 'gen', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]'], 3],
    ['merge patch', ['patch', 'deployment', 'gen', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":1}}'], 4],
    ['the scale subresource', ['scale', 'deployment', 'gen', '--replicas', '5'], 5],
    ['a status write', ['patch', 'deployment', 'gen', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"collisionCount":1}}'], 5],
    ['a label', ['label', 'deployment', 'gen', 'tier=web'], 5],
    // The Deployment strategy counts annotations: they are copied to the ReplicaSets.
    ['an annotation', ['annotate', 'deployment', 'gen', 'team=a'], 6],
  ];
  for (const [what, args, want] of steps) {
    await ok(args);
    assert.equal(await generation('deployment', 'gen'), want, what);
  }

  // PUT of the object as read stores nothing new; with a change, one bump. (Unconditional: the controllers write status meanwhile.)
  const live = await get<Workload>('deployment', 'gen');
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = live.metadata;
  const put = { ...live, metadata: meta };
  await ok(['replace', '-f', '-'], JSON.stringify(put));
  assert.equal(await generation('deployment', 'gen'), 6, 'replace with the same spec');
  await ok(['replace', '-f', '-'], JSON.stringify({ ...put, spec: { ...put.spec, replicas: 2 } }));
  assert.equal(await generation('deployment', 'gen'), 7, 'replace');

  const applied = deployment('gen', 'example/gen:1', { replicas: 3 });
  await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], applied);
  assert.equal(await generation('deployment', 'gen'), 8, 'server-side apply with --force-conflicts');
  await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], applied);
  assert.equal(await generation('deployment', 'gen'), 8, 'the same server-side apply again');

  await rolledOut('deployment', 'gen');
  assert.equal((await get<Workload>('deployment', 'gen')).status.observedGeneration, 8);

  // A ReplicaSet counts only its spec.
  const [rs] = await replicaSetsOf('gen');
  await ok(['annotate', 'replicaset', rs!.metadata.name!, 'note=x']);
  assert.equal(await generation('replicaset', rs!.metadata.name!), rs!.metadata.generation);
});

test("a custom resource's generation counts everything but metadata, and with a status subresource not .status", { skip }, async () => {
  for (const [kind, status] of [['Widget', true], ['Gadget', false]] as const) {
    const plural = `${kind.toLowerCase()}s`;
    const crd = JSON.parse(crdManifest({ group: 'gen.example.com', kind, plural, specProperties: { size: { type: 'integer' } } })) as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } }; subresources?: unknown }[] };
    };
    const version = crd.spec.versions[0]!;
    version.schema.openAPIV3Schema.properties.status = { type: 'object', properties: { phase: { type: 'string' } } };
    if (status) version.subresources = { status: {} };
    await applyCrd(JSON.stringify(crd));
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'gen.example.com/v1', kind, metadata: { name: 'one' }, spec: { size: 1 } }));
    const res = `${plural}.gen.example.com`;
    await ok(['patch', res, 'one', '--type', 'merge', '-p', '{"spec":{"size":2}}']);
    assert.equal(await generation(res, 'one'), 2, `${kind}: spec`);
    await ok(['label', res, 'one', 'x=y']);
    await ok(['annotate', res, 'one', 'x=y']);
    assert.equal(await generation(res, 'one'), 2, `${kind}: metadata`);
    if (status) {
      await ok(['patch', res, 'one', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"phase":"Ready"}}']);
      assert.equal(await generation(res, 'one'), 2, `${kind}: /status`);
    } else {
      await ok(['patch', res, 'one', '--type', 'merge', '-p', '{"status":{"phase":"Ready"}}']);
      assert.equal(await generation(res, 'one'), 3, `${kind}: .status without a subresource`);
    }
  }
});

test('after a server-side apply and a rollout, kube-controller-manager holds one status entry on the Deployment, revision annotation included', { skip }, async () => {
  await ok(['apply', '--server-side', '-f', '-'], deployment('mf', 'example/mf:1'));
  await rolledOut('deployment', 'mf');
  await ok(['apply', '--server-side', '-f', '-'], deployment('mf', 'example/mf:2'));
  await rolledOut('deployment', 'mf');

  const d = await get('deployment', 'mf');
  assert.equal(d.metadata.annotations?.[REVISION], '2');
  assert.deepEqual(managers(d), ['kube-controller-manager Update status', 'kubectl Apply']);
  const status = d.metadata.managedFields!.find((e) => e.subresource === 'status')!.fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(status['f:metadata'], { 'f:annotations': { '.': {}, [`f:${REVISION}`]: {} } });
  assert.ok(status['f:status'], 'and the status it wrote');

  for (const rs of await replicaSetsOf('mf')) {
    assert.deepEqual(managers(rs), ['kube-controller-manager Update', 'kube-controller-manager Update status'], rs.metadata.name);
  }
});

test('a client-side apply that changes nothing in the template keeps the ReplicaSet and its revision', { skip }, async () => {
  await ok(['apply', '-f', '-'], deployment('same', 'example/same:1'));
  await rolledOut('deployment', 'same');
  const [first, ...none] = await replicaSetsOf('same');
  assert.equal(none.length, 0);

  // Empty maps and lists, and zero values, are no template change once the server has decoded them.
  const again = deployment('same', 'example/same:1', {
    replicas: 3,
    spec: { minReadySeconds: 0, paused: false },
    template: { annotations: {} },
    container: { env: [], ports: [] },
  });
  assert.match(await ok(['apply', '-f', '-'], again), /deployment\.apps\/same configured/);
  await rolledOut('deployment', 'same');
  const after = await replicaSetsOf('same');
  assert.deepEqual(after.map((rs) => [rs.metadata.name, rs.metadata.annotations?.[REVISION], rs.spec.replicas]), [[first!.metadata.name, '1', 3]]);
  const d = await get<Workload>('deployment', 'same');
  assert.equal(d.metadata.annotations?.[REVISION], '1');
  assert.equal('minReadySeconds' in d.spec, false);
  assert.equal('paused' in d.spec, false);
  assert.equal('annotations' in d.spec.template.metadata, false);

  await ok(['apply', '-f', '-'], deployment('same', 'example/same:2', { replicas: 3 }));
  await rolledOut('deployment', 'same');
  const revisions = (await replicaSetsOf('same')).map((rs) => rs.metadata.annotations?.[REVISION]).sort();
  assert.deepEqual(revisions, ['1', '2']);
});

test('status counts at zero are left out, non-pointer counts stay, and ReplicaSets carry no minReadySeconds: 0', { skip }, async () => {
  await ok(['apply', '-f', '-'], deployment('zero', 'example/zero:1', { spec: { minReadySeconds: 0 } }));
  await rolledOut('deployment', 'zero');
  await ok(['set', 'image', 'deployment/zero', 'app=example/zero:2']);
  await rolledOut('deployment', 'zero');

  const d = await get<Workload>('deployment', 'zero');
  assert.deepEqual(Object.keys(d.status).sort(), ['availableReplicas', 'conditions', 'observedGeneration', 'readyReplicas', 'replicas', 'updatedReplicas']);
  const [older, newer] = (await replicaSetsOf('zero')).sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]));
  for (const rs of [older!, newer!]) assert.equal('minReadySeconds' in rs.spec, false, rs.metadata.name);
  // An emptied ReplicaSet still reports replicas (no omitempty) and nothing else but what it observed.
  assert.deepEqual(older!.status, { replicas: 0, observedGeneration: older!.metadata.generation });
  assert.deepEqual(newer!.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: newer!.metadata.generation });

  await ok(['scale', 'deployment', 'zero', '--replicas', '0']);
  await rolledOut('deployment', 'zero');
  const empty = await get<Workload>('deployment', 'zero');
  assert.deepEqual(Object.keys(empty.status).sort(), ['conditions', 'observedGeneration']);

  const sts = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'zero-db' },
    spec: {
      replicas: 0,
      serviceName: 'zero-db',
      selector: { matchLabels: { app: 'zero-db' } },
      template: { metadata: { labels: { app: 'zero-db' } }, spec: { containers: [{ name: 'db', image: 'example/db:1' }] } },
    },
  });
  await ok(['apply', '-f', '-'], sts);
  await rolledOut('statefulset', 'zero-db');
  const set = await get<Workload>('statefulset', 'zero-db');
  assert.equal(set.status.replicas, 0);
  assert.equal(set.status.availableReplicas, 0);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) assert.equal(f in set.status, false, f);
});

test('ScalingReplicaSet events word the old count as the deployment controller does', { skip }, async () => {
  await ok(['apply', '-f', '-'], deployment('ev', 'example/ev:1'));
  await rolledOut('deployment', 'ev');
  await ok(['scale', 'deployment', 'ev', '--replicas', '3']);
  await rolledOut('deployment', 'ev');
  await ok(['set', 'image', 'deployment/ev', 'app=example/ev:2']);
  await rolledOut('deployment', 'ev');

  const [first, second] = (await replicaSetsOf('ev'))
    .sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]))
    .map((rs) => rs.metadata.name!);
  const events = JSON.parse(await ok(['get', 'events', '--field-selector', 'reason=ScalingReplicaSet,involvedObject.name=ev', '-o', 'json', '--show-managed-fields'])) as {
    items: (KubeObject & { message: string; source: object; reportingComponent: string })[];
  };
  const messages = events.items.map((e) => e.message);
  assert.deepEqual(messages.slice(0, 2), [`Scaled up replica set ${first} from 0 to 2`, `Scaled up replica set ${first} from 2 to 3`]);
  assert.equal(messages[2], `Scaled up replica set ${second} from 0 to 1`);
  assert.ok(messages.includes(`Scaled down replica set ${first} from 3 to 2`), messages.join('\n'));
  assert.equal(messages.at(-1), `Scaled down replica set ${first} from 1 to 0`);
  for (const m of messages) assert.match(m, /^Scaled (up|down) replica set \S+ from \d+ to \d+$/);
  // Written by kube-controller-manager's client for its deployment controller.
  for (const e of events.items) {
    assert.deepEqual([e.source, e.reportingComponent, managers(e)], [{ component: 'deployment-controller' }, 'deployment-controller', ['kube-controller-manager Update']]);
  }
});

test('StatefulSet Pods carry generateName; a DaemonSet carries its template generation, moved by template changes only', { skip }, async () => {
  const sts = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web-sts' } },
      updateStrategy: { type: 'RollingUpdate' },
      template: { metadata: { labels: { app: 'web-sts' } }, spec: { containers: [{ name: 'web', image: 'example/web:1' }] } },
    },
  });
  await ok(['apply', '-f', '-'], sts);
  await rolledOut('statefulset', 'web');
  const pod = await get('pod', 'web-0');
  assert.equal(pod.metadata.generateName, 'web-');
  // An explicit type is kept as sent: rollingUpdate is defaulted only along with the type.
  assert.deepEqual((await get<Workload>('statefulset', 'web')).spec.updateStrategy, { type: 'RollingUpdate' });

  const ds = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'example/agent:1' }] } },
    },
  });
  await ok(['apply', '-f', '-'], ds);
  const tg = async () => {
    const o = await get('daemonset', 'agent');
    return [o.metadata.annotations?.['deprecated.daemonset.template.generation'], o.metadata.generation];
  };
  assert.deepEqual(await tg(), ['1', 1]);
  await ok(['patch', 'daemonset', 'agent', '-p', '{"spec":{"minReadySeconds":1}}']);
  assert.deepEqual(await tg(), ['1', 2]);
  await ok(['set', 'image', 'daemonset/agent', 'agent=example/agent:2']);
  assert.deepEqual(await tg(), ['2', 3]);
  // A client cannot set it.
  await ok(['annotate', '--overwrite', 'daemonset', 'agent', 'deprecated.daemonset.template.generation=9']);
  assert.deepEqual(await tg(), ['2', 3]);
  await rolledOut('daemonset', 'agent');
  const pods = JSON.parse(await ok(['get', 'pods', '-l', 'app=agent', '-o', 'json'])) as { items: KubeObject[] };
  assert.ok(pods.items.length > 0);
  const taint = (t: string, effect: string) => ({ key: `node.kubernetes.io/${t}`, operator: 'Exists', effect });
  for (const p of pods.items) {
    assert.equal(p.metadata.generateName, 'agent-');
    assert.equal(p.metadata.labels?.['pod-template-generation'], '2');
    // The daemon tolerations, without a time limit; the admission default of 300s has nothing left to add.
    assert.deepEqual((p.spec as { tolerations: unknown[] }).tolerations, [
      taint('not-ready', 'NoExecute'),
      taint('unreachable', 'NoExecute'),
      taint('disk-pressure', 'NoSchedule'),
      taint('memory-pressure', 'NoSchedule'),
      taint('pid-pressure', 'NoSchedule'),
      taint('unschedulable', 'NoSchedule'),
    ]);
  }
});

test('a Pod with tolerations of its own still gets the five-minute ones for failing nodes', { skip }, async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tolerant' }, spec: { containers: [{ name: 'c', image: 'example/c:1' }], tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } };
  await ok(['create', '-f', '-'], JSON.stringify(pod));
  const live = await get<{ spec: { tolerations: unknown[] } }>('pod', 'tolerant');
  assert.deepEqual(live.spec.tolerations, [
    { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
});
