import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplyConflictError, PatchError, recordUpdate, schemaFor, serverSideApply } from '../../src/sandbox/patch/index.js';
import type { KubeObject, ManagedFieldsEntry } from '../../src/sandbox/types.js';
import { containersOf, deployment, dig } from './patch-fixtures.js';

const DEPLOYMENT = schemaFor('apps', 'Deployment');
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const T2 = '2026-01-01T00:02:00Z';

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, opts: { force?: boolean; now?: string } = {}): KubeObject {
  return serverSideApply({ live, applied, manager, force: opts.force ?? false, apiVersion: 'apps/v1', schema: DEPLOYMENT, now: opts.now ?? T0 });
}

function update(before: KubeObject | undefined, after: KubeObject, manager: string, now = T0): KubeObject {
  return recordUpdate({ before, after, manager, operation: 'Update', apiVersion: 'apps/v1', schema: DEPLOYMENT, now });
}

function entry(o: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return o.metadata.managedFields?.find((e) => e.manager === manager);
}

function owns(o: KubeObject, manager: string, ...path: string[]): boolean {
  let node: unknown = entry(o, manager)?.fieldsV1;
  for (const pe of path) {
    if (typeof node !== 'object' || node === null || !(pe in node)) return false;
    node = (node as Record<string, unknown>)[pe];
  }
  return true;
}

const withReplicas = (n: number, containers = [{ name: 'web', image: 'lyzhang1999/hello-world-flask:latest' }]) => {
  const d = deployment(containers);
  (d.spec as Record<string, unknown>).replicas = n;
  return d;
};

test('fieldsV1 is written as a real API server writes it (an Apply entry from a real cluster)', () => {
  // The applied configuration and the Apply entry recorded for it, from a real
  // cluster's Deployment (kubernetes-sigs/structured-merge-diff users' fixtures).
  const applied = JSON.parse(
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx-deployment","namespace":"default","labels":{"app":"nginx"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.14.2","ports":[{"containerPort":80}],"env":[{"name":"MY_NODE_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"spec.nodeName"}}}]}]}}}}',
  ) as KubeObject;
  const recorded =
    '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:env":{"k:{\\"name\\":\\"MY_NODE_NAME\\"}":{".":{},"f:name":{},"f:valueFrom":{"f:fieldRef":{}}}},"f:image":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}';
  const out = apply(undefined, applied, 'provider-kubernetes/sample-deployment-owner');
  assert.deepEqual(out.metadata.managedFields, [
    {
      manager: 'provider-kubernetes/sample-deployment-owner',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: JSON.parse(recorded),
    },
  ]);
  // Same keys, same order: the serialized form matches byte for byte.
  assert.equal(JSON.stringify(out.metadata.managedFields![0]!.fieldsV1), recorded);
});

test('an Update on create owns every field it set, with "." for new maps and lists, as kubectl create records', () => {
  const created = update(undefined, deployment([{ name: 'web', image: 'x', resources: {}, ports: [{ containerPort: 5000, protocol: 'TCP' }] }]), 'kubectl-create');
  const [e] = created.metadata.managedFields!;
  assert.equal(e!.operation, 'Update');
  assert.deepEqual(e!.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":5000,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              'f:resources': {},
            },
          },
        },
      },
    },
  });
});

test('two appliers setting the same value share the field without conflict', () => {
  const first = apply(undefined, withReplicas(2), 'alice');
  const second = apply(first, withReplicas(2), 'bob', { now: T1 });
  assert.ok(owns(second, 'alice', 'f:spec', 'f:replicas'));
  assert.ok(owns(second, 'bob', 'f:spec', 'f:replicas'));
  assert.equal(dig(second, 'spec.replicas'), 2);
});

test('changing a field another applier owns is a conflict naming the manager and the field', () => {
  const first = apply(undefined, withReplicas(2), 'alice');
  assert.throws(
    () => apply(first, withReplicas(5), 'bob'),
    (err: unknown) => {
      assert.ok(err instanceof ApplyConflictError);
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
      assert.deepEqual(err.conflicts, [{ manager: 'alice', owner: '"alice"', field: '.spec.replicas' }]);
      assert.deepEqual(err.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);
      return true;
    },
  );
});

test('conflicts with an updater name its API version and the list item by key', () => {
  const applied = apply(undefined, withReplicas(2), 'gdeploy');
  const edited = update(applied, withReplicas(3, [{ name: 'web', image: 'lyzhang1999/hello-world-flask:v1' }]), 'kubectl-edit', T1);
  assert.throws(
    () => apply(edited, withReplicas(2, [{ name: 'web', image: 'lyzhang1999/hello-world-flask:v2' }]), 'gdeploy'),
    (err: unknown) => {
      assert.ok(err instanceof ApplyConflictError);
      assert.equal(
        err.message,
        'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
      );
      return true;
    },
  );
});

test('force takes the field over: the other manager no longer owns it', () => {
  const first = apply(undefined, withReplicas(2), 'alice');
  const forced = apply(first, withReplicas(5), 'bob', { force: true, now: T1 });
  assert.equal(dig(forced, 'spec.replicas'), 5);
  assert.ok(owns(forced, 'bob', 'f:spec', 'f:replicas'));
  assert.ok(!owns(forced, 'alice', 'f:spec', 'f:replicas'));
  assert.ok(owns(forced, 'alice', 'f:spec', 'f:template'), 'alice keeps the fields nobody took');
});

test('an updater never conflicts: it takes the fields it changes from their owners', () => {
  const applied = apply(undefined, withReplicas(2), 'gdeploy');
  const scaled = update(applied, withReplicas(4), 'kubectl-scale', T1);
  assert.ok(owns(scaled, 'kubectl-scale', 'f:spec', 'f:replicas'));
  assert.ok(!owns(scaled, 'gdeploy', 'f:spec', 'f:replicas'));
  assert.equal(entry(scaled, 'kubectl-scale')!.time, T1);
  assert.equal(entry(scaled, 'gdeploy')!.time, T0, 'other managers keep their time');
});

test('fields an applier stops applying are removed, unless another manager owns them', () => {
  const v1 = deployment([{ name: 'web', image: 'a' }, { name: 'sidecar', image: 'b' }]);
  v1.metadata.labels = { app: 'hello-world-flask', tier: 'front' };
  const first = apply(undefined, v1, 'gdeploy');
  // Another applier shares the tier label.
  const shared = apply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello-world-flask', labels: { tier: 'front' } } }, 'team');

  const v2 = deployment([{ name: 'web', image: 'a' }]);
  const out = apply(shared, v2, 'gdeploy', { now: T1 });
  assert.deepEqual(
    containersOf(out).map((c) => c.name),
    ['web'],
    'the sidecar gdeploy no longer applies is gone',
  );
  assert.deepEqual(out.metadata.labels, { app: 'hello-world-flask', tier: 'front' }, 'the label team still owns stays');
  assert.ok(!owns(out, 'gdeploy', 'f:metadata', 'f:labels', 'f:tier'));
  assert.ok(owns(out, 'team', 'f:metadata', 'f:labels', 'f:tier'));

  // Once team stops applying it too, nobody owns it and it goes.
  const last = apply(out, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello-world-flask', annotations: { note: 'x' } } }, 'team');
  assert.deepEqual(last.metadata.labels, { app: 'hello-world-flask' });
});

test('fields an applier never set (defaults, other writers) survive its applies', () => {
  const first = apply(undefined, withReplicas(2), 'gdeploy');
  // The server defaults a field nobody applied.
  const defaulted = structuredClone(first);
  (defaulted.spec as Record<string, unknown>).revisionHistoryLimit = 10;
  const again = apply(defaulted, withReplicas(3), 'gdeploy', { now: T1 });
  assert.equal(dig(again, 'spec.revisionHistoryLimit'), 10);
  assert.equal(dig(again, 'spec.replicas'), 3);
});

test('applying the same configuration again changes nothing, not even the entry time', () => {
  const first = apply(undefined, withReplicas(2), 'gdeploy');
  const again = apply(first, withReplicas(2), 'gdeploy', { now: T2 });
  assert.deepEqual(again, first);
});

test('an applier that drops a container keeps fields an updater added elsewhere', () => {
  const first = apply(undefined, deployment([{ name: 'web', image: 'a' }]), 'gdeploy');
  const annotated = structuredClone(first);
  annotated.metadata.annotations = { 'deployment.kubernetes.io/revision': '1' };
  const recorded = update(first, annotated, 'kube-controller-manager', T1);
  const out = apply(recorded, deployment([{ name: 'web', image: 'b' }]), 'gdeploy', { now: T2 });
  assert.deepEqual(out.metadata.annotations, { 'deployment.kubernetes.io/revision': '1' });
  assert.equal(containersOf(out)[0]!.image, 'b');
});

test('new list items an applier adds keep the other items where they were', () => {
  const first = apply(undefined, deployment([{ name: 'a', image: 'a' }]), 'alice');
  const second = apply(first, deployment([{ name: 'b', image: 'b' }]), 'bob');
  assert.deepEqual(
    containersOf(second).map((c) => c.name),
    ['a', 'b'],
  );
  assert.ok(owns(second, 'alice', 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"a"}'));
  assert.ok(owns(second, 'bob', 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"b"}'));
});

test('kubectl apply --server-side takes over fields kubectl apply set, unless they changed since', () => {
  const v0 = withReplicas(2);
  v0.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(withReplicas(2)) };
  const csa = update(undefined, v0, 'kubectl-client-side-apply');
  const v1 = withReplicas(2, [{ name: 'web', image: 'lyzhang1999/hello-world-flask:v1' }]);

  const upgraded = apply(csa, v1, 'kubectl', { now: T1 });
  assert.equal(containersOf(upgraded)[0]!.image, 'lyzhang1999/hello-world-flask:v1');
  assert.ok(owns(upgraded, 'kubectl', 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'));
  assert.ok(!owns(upgraded, 'kubectl-client-side-apply', 'f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'));

  assert.throws(() => apply(csa, v1, 'gdeploy'), /conflict with "kubectl-client-side-apply" using apps\/v1/, 'other managers still conflict');

  const edited = structuredClone(csa);
  (edited.spec as Record<string, unknown>).replicas = 4;
  const scaled = update(csa, edited, 'kubectl-scale', T1);
  assert.throws(() => apply(scaled, v1, 'kubectl'), /Apply failed with 1 conflict: conflict with "kubectl-scale" using apps\/v1: \.spec\.replicas$/, 'a value changed since the last kubectl apply conflicts');
});

test('status is neither set nor owned by an apply to the main resource of a kind with a status subresource', () => {
  const applied = withReplicas(2);
  applied.status = { replicas: 99 };
  const out = apply(undefined, applied, 'gdeploy');
  assert.equal(out.status, undefined);
  assert.ok(!owns(out, 'gdeploy', 'f:status'));
});

test('an object nobody tracked is owned by before-first-apply, so the first apply sees conflicts', () => {
  const untracked = withReplicas(2);
  assert.throws(() => apply(untracked, withReplicas(3), 'gdeploy'), /conflict with "before-first-apply" using apps\/v1: \.spec\.replicas/);
  const same = apply(untracked, withReplicas(2), 'gdeploy');
  assert.ok(owns(same, 'before-first-apply', 'f:spec', 'f:replicas'));
  assert.ok(owns(same, 'gdeploy', 'f:spec', 'f:replicas'));
});

test('managedFields in an applied configuration, and list items without their key, are rejected', () => {
  const withFields = withReplicas(2);
  withFields.metadata.managedFields = [];
  assert.throws(() => apply(undefined, withFields, 'gdeploy'), (err: unknown) => err instanceof PatchError && err.message === 'metadata.managedFields must be nil');
  assert.throws(
    () => apply(undefined, deployment([{ image: 'x' }]), 'gdeploy'),
    (err: unknown) =>
      err instanceof PatchError &&
      err.code === 500 &&
      err.message ===
        'failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  );
  assert.throws(() => apply(undefined, deployment([{ name: 'x' }, { name: 'x' }]), 'gdeploy'), /duplicate entries for key \[name="x"\]/);
});

test('an update that changes nothing records nothing; one that empties a manager drops its entry', () => {
  const applied = apply(undefined, withReplicas(2), 'gdeploy');
  assert.deepEqual(update(applied, structuredClone(applied), 'kubectl-edit', T1), applied);

  const d = deployment([]);
  const created = update(undefined, { ...d, metadata: { ...d.metadata, annotations: { a: '1' } } }, 'alice');
  const replaced = update(created, { ...d, metadata: { ...d.metadata, annotations: { a: '2' } } }, 'bob', T1);
  // bob now owns the annotation; alice keeps the rest of what she created.
  assert.ok(owns(replaced, 'bob', 'f:metadata', 'f:annotations', 'f:a'));
  assert.ok(!owns(replaced, 'alice', 'f:metadata', 'f:annotations', 'f:a'));
  // alice applied only the replica count; bob's update takes it, leaving alice nothing.
  const replicasOnly = apply(applied, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello-world-flask' }, spec: { replicas: 2 } }, 'alice');
  const scaled = update(replicasOnly, withReplicas(7), 'bob', T1);
  assert.ok(!entry(scaled, 'alice'), 'an entry that owns nothing is dropped');
  assert.ok(owns(scaled, 'bob', 'f:spec', 'f:replicas'));
});

test('a write that sets managedFields: [] clears tracking; subresource writes cannot touch managedFields', () => {
  const applied = apply(undefined, withReplicas(2), 'gdeploy');
  const cleared = update(applied, { ...applied, metadata: { ...applied.metadata, managedFields: [] } }, 'kubectl-edit', T1);
  assert.equal(cleared.metadata.managedFields, undefined);

  const status = recordUpdate({
    before: applied,
    after: { ...applied, metadata: { ...applied.metadata, managedFields: [] }, status: { replicas: 2 } },
    manager: 'kube-controller-manager',
    operation: 'Update',
    subresource: 'status',
    apiVersion: 'apps/v1',
    schema: DEPLOYMENT,
    now: T1,
  });
  const e = entry(status, 'kube-controller-manager')!;
  assert.equal(e.subresource, 'status');
  // status is a non-pointer struct, present (empty) before: no "." for it, as in real status entries.
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  assert.ok(entry(status, 'gdeploy'), 'the applier keeps its entry');
  assert.deepEqual(
    status.metadata.managedFields!.map((m) => m.operation),
    ['Apply', 'Update'],
    'Apply entries sort before Update entries',
  );
});

test('more than ten updaters: the oldest merge into one ancient-changes entry', () => {
  let o = update(undefined, deployment([]), 'creator', '2026-01-01T00:00:00Z');
  for (let i = 1; i <= 11; i++) {
    const next = structuredClone(o);
    next.metadata.annotations = { ...next.metadata.annotations, [`a${i}`]: 'x' };
    o = update(o, next, `writer-${i}`, `2026-01-01T00:${String(i).padStart(2, '0')}:00Z`);
  }
  const managers = o.metadata.managedFields!.map((e) => e.manager);
  assert.equal(managers.length, 10);
  assert.deepEqual(managers.slice(0, 2), ['ancient-changes', 'writer-3']);
  const ancient = entry(o, 'ancient-changes')!;
  assert.equal(ancient.time, '2026-01-01T00:02:00Z', 'the bucket has the time of the newest entry merged into it');
  assert.ok(owns(o, 'ancient-changes', 'f:spec', 'f:replicas'), "the creator's fields");
  assert.ok(owns(o, 'ancient-changes', 'f:metadata', 'f:annotations', 'f:a2'));
  assert.ok(owns(o, 'writer-11', 'f:metadata', 'f:annotations', 'f:a11'));
});

test('Service ports are keyed by port and protocol, its selector is atomic', () => {
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'dns' },
    spec: {
      selector: { app: 'dns' },
      ports: [
        { name: 'dns-udp', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53 },
      ],
    },
  };
  const out = serverSideApply({ live: undefined, applied: svc, manager: 'gdeploy', force: false, apiVersion: 'v1', schema: schemaFor('', 'Service'), now: T0 });
  assert.deepEqual(out.metadata.managedFields![0]!.fieldsV1, {
    'f:spec': {
      'f:ports': {
        'k:{"port":53,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} },
        'k:{"port":53,"protocol":"UDP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {} },
      },
      'f:selector': {},
    },
  });
});

test('custom resources: list-map-keys merge items per key, sets by value, atomic lists whole', () => {
  const schema = schemaFor('example.com', 'Widget', {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['port', 'protocol'],
            items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, name: { type: 'string' } } },
          },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
        },
      },
    },
  });
  const widget = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
  const run = (live: KubeObject | undefined, applied: KubeObject, manager: string) =>
    serverSideApply({ live, applied, manager, force: false, apiVersion: 'example.com/v1', schema, now: T0 });

  const a = run(undefined, widget({ ports: [{ port: 80, name: 'http' }], tags: ['x'], args: ['1'], selector: { app: 'w' } }), 'alice');
  assert.deepEqual(entry(a, 'alice')!.fieldsV1, {
    'f:spec': {
      'f:args': {},
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
      'f:selector': {},
      'f:tags': { 'v:"x"': {} },
    },
  });
  const b = run(a, widget({ ports: [{ port: 443, name: 'https' }], tags: ['y'] }), 'bob');
  assert.deepEqual(dig(b, 'spec.ports'), [
    { port: 80, name: 'http' },
    { port: 443, name: 'https' },
  ]);
  assert.deepEqual(dig(b, 'spec.tags'), ['x', 'y']);
  assert.throws(() => run(b, widget({ args: ['2'] }), 'bob'), /conflict with "alice": \.spec\.args/);
  assert.throws(() => run(b, widget({ selector: { app: 'other' } }), 'bob'), /conflict with "alice": \.spec\.selector/);
});
