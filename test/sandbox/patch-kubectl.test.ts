// kubectl against the sandbox: what `kubectl apply --server-side`, `set image`,
// `patch` and client-side `apply` do to an object and its managedFields, and
// the conflicts kubectl reports, must be what a real API server makes of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_WITHOUT_KUBECTL as skip, useKubectlSandbox } from '../helpers/sandbox-kubectl.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { containersOf, deployment } from './patch-fixtures.js';

const { kubectl } = useKubectlSandbox();

async function get(name: string): Promise<KubeObject> {
  const r = await kubectl(['get', 'deployment', name, '-o', 'json', '--show-managed-fields']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as KubeObject;
}

function manifest(name: string, image: string): string {
  const d = deployment([{ name: 'hello-world-flask', image, ports: [{ containerPort: 5000 }] }]);
  d.metadata.name = name;
  return JSON.stringify(d);
}

test('kubectl apply --server-side records what it applied, and a second manager\'s change is a conflict until forced', { skip }, async () => {
  const applied = await kubectl(['apply', '--server-side', '-f', '-'], manifest('ssa', 'lyzhang1999/hello-world-flask:latest'));
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^deployment\.apps\/ssa serverside-applied$/m);

  const live = await get('ssa');
  assert.deepEqual(
    live.metadata.managedFields?.map((e) => [e.manager, e.operation]),
    [['kubectl', 'Apply']],
  );
  assert.deepEqual(live.metadata.managedFields![0]!.fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"hello-world-flask"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":5000,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });

  const set = await kubectl(['set', 'image', 'deployment/ssa', 'hello-world-flask=lyzhang1999/hello-world-flask:v1']);
  assert.equal(set.code, 0, set.stderr);
  const conflict = await kubectl(['apply', '--server-side', '-f', '-'], manifest('ssa', 'lyzhang1999/hello-world-flask:v2'));
  assert.equal(conflict.code, 1);
  assert.match(
    conflict.stderr,
    /^error: Apply failed with 1 conflict: conflict with "kubectl-set" using apps\/v1: \.spec\.template\.spec\.containers\[name="hello-world-flask"\]\.image$/m,
  );
  assert.equal(containersOf(await get('ssa'))[0]!.image, 'lyzhang1999/hello-world-flask:v1', 'a refused apply changes nothing');

  const forced = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest('ssa', 'lyzhang1999/hello-world-flask:v2'));
  assert.equal(forced.code, 0, forced.stderr);
  const after = await get('ssa');
  assert.equal(containersOf(after)[0]!.image, 'lyzhang1999/hello-world-flask:v2');
  assert.deepEqual(
    after.metadata.managedFields?.map((e) => e.manager),
    ['kubectl'],
    'kubectl-set lost the only field it owned',
  );
});

test('kubectl patch merges containers by name, and a new container goes first, as strategic merge patch orders it', { skip }, async () => {
  assert.equal((await kubectl(['apply', '--server-side', '-f', '-'], manifest('smp', 'lyzhang1999/hello-world-flask:latest'))).code, 0);
  const patched = await kubectl(['patch', 'deployment', 'smp', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}']);
  assert.equal(patched.code, 0, patched.stderr);
  const live = await get('smp');
  assert.deepEqual(
    containersOf(live).map((c) => [c.name, c.image]),
    [
      ['sidecar', 'busybox'],
      ['hello-world-flask', 'lyzhang1999/hello-world-flask:latest'],
    ],
  );
  const entry = live.metadata.managedFields?.find((e) => e.manager === 'kubectl-patch');
  assert.equal(entry?.operation, 'Update');
  assert.ok(JSON.stringify(entry?.fieldsV1).includes('"k:{\\"name\\":\\"sidecar\\"}":{".":{}'), 'kubectl-patch owns the container it added');
});

test('kubectl apply (client-side) is unchanged on a repeat, and --server-side then takes over without conflicts', { skip }, async () => {
  const first = await kubectl(['apply', '-f', '-'], manifest('csa', 'lyzhang1999/hello-world-flask:latest'));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^deployment\.apps\/csa created$/m);
  const again = await kubectl(['apply', '-f', '-'], manifest('csa', 'lyzhang1999/hello-world-flask:latest'));
  assert.match(again.stdout, /^deployment\.apps\/csa unchanged$/m);

  const upgraded = await kubectl(['apply', '--server-side', '-f', '-'], manifest('csa', 'lyzhang1999/hello-world-flask:v1'));
  assert.equal(upgraded.code, 0, upgraded.stderr);
  const live = await get('csa');
  assert.equal(containersOf(live)[0]!.image, 'lyzhang1999/hello-world-flask:v1');
  assert.ok(live.metadata.managedFields?.some((e) => e.manager === 'kubectl' && e.operation === 'Apply'));
  assert.ok(!live.metadata.managedFields?.some((e) => e.manager === 'kubectl-client-side-apply'), 'kubectl migrated the client-side entry');
});
