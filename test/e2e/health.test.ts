// A release waits for every object it changed to be current, by the rules of
// kstatus: a custom resource until its controller has observed the change and
// says Ready, failing at once on Ready=False with a reason that is not
// transient; an object without status conventions at once; a
// PersistentVolumeClaim until it is Bound (or --timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SKIP_WITHOUT_KUBECTL, cluster, manifests, write, type Cluster } from '../helpers/cluster.js';

/** A namespaced CRD `gadgets.<group>` with a status subresource, and one without (`plain`). */
function crds(group: string): string {
  const crd = (plural: string, kind: string, subresources: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, listKind: ${kind}List}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
${subresources}    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;
  return `${crd('gadgets', 'Gadget', '    subresources: {status: {}}\n')}---\n${crd('plains', 'Plain', '')}`;
}

const gadget = (group: string, size: number) => `apiVersion: ${group}/v1\nkind: Gadget\nmetadata:\n  name: gear\nspec:\n  size: ${size}\n`;

/** Sets the Gadget's status as its controller would, once it has seen generation `generation`. */
async function setStatus(c: Cluster, group: string, generation: number, ready: { status: string; reason: string; message: string }): Promise<void> {
  for (const deadline = Date.now() + 60_000; ; ) {
    const g = await c.get(`gadgets.${group}/gear`);
    if (g && g.metadata.generation >= generation) break;
    if (Date.now() > deadline) throw new Error(`gadget never reached generation ${generation}`);
    await sleep(100);
  }
  const status = { observedGeneration: generation, conditions: [{ type: 'Ready', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...ready }] };
  const r = await c.kubectl(['patch', `gadgets.${group}/gear`, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  assert.equal(r.code, 0, r.stderr);
}

test('a custom resource is waited for until its controller says Ready, and Ready=False with a reason fails the release at once', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const group = c.group();
  const dir = manifests(t, 'health', { 'crds.yaml': crds(group), 'gadget.yaml': gadget(group, 1) });
  const first = await c.gdeploy(['apply', '-f', dir, '--app', 'health', '--timeout', '1m']);
  // Just created, the Gadget has no status yet: current as written, as kstatus judges it.
  assert.equal(first.code, 0, first.stderr);
  await setStatus(c, group, 1, { status: 'True', reason: 'Ready', message: 'all parts in place' });

  // A change: the release waits until the controller has observed it and says Ready (2 s later).
  write(dir, { 'gadget.yaml': gadget(group, 2) });
  const controller = sleep(2000).then(() => setStatus(c, group, 2, { status: 'True', reason: 'Ready', message: 'resized' }));
  const waited = await c.gdeploy(['apply', '-f', dir, '--app', 'health', '--timeout', '1m']);
  await controller;
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stderr, /gadget\/gear Waiting for the controller to observe generation 2 of Gadget "gear"/, 'it waited for the controller');
  assert.match(waited.stderr, /gadget\/gear rolled out in/);
  const live = await c.must(`gadgets.${group}/gear`);
  assert.equal(live.status.observedGeneration, 2, 'done only once the controller said so');

  // The controller refuses the next change: Ready=False with a reason that is not "in progress".
  write(dir, { 'gadget.yaml': gadget(group, 3) });
  const refusing = setStatus(c, group, 3, { status: 'False', reason: 'InvalidSize', message: 'size must be even' });
  const failed = await c.gdeploy(['apply', '-f', dir, '--app', 'health', '--timeout', '1m']);
  await refusing;
  assert.equal(failed.code, 3, failed.stderr);
  assert.match(failed.stderr, /gadget\/gear.*Ready=False \(InvalidSize\): size must be even/);
  const history = await c.gdeploy(['history', '--app', 'health']);
  assert.match(history.stdout, /failed/);

  // --wait-for workloads: today's behaviour for those who want it, the Gadget is not waited for.
  write(dir, { 'gadget.yaml': gadget(group, 4) });
  const workloads = await c.gdeploy(['apply', '-f', dir, '--app', 'health', '--timeout', '1m', '--wait-for', 'workloads']);
  assert.equal(workloads.code, 0, workloads.stderr);
});

test('objects without status conventions are current at once; a PersistentVolumeClaim that stays Pending times out naming it', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const group = c.group();
  const plain = `apiVersion: ${group}/v1\nkind: Plain\nmetadata:\n  name: p\nspec:\n  colour: blue\n`;
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n';
  const dir = manifests(t, 'plain', { 'crds.yaml': crds(group), 'plain.yaml': plain, 'cm.yaml': cm });
  const ok = await c.gdeploy(['apply', '-f', dir, '--app', 'plain', '--timeout', '30s']);
  assert.equal(ok.code, 0, ok.stderr);

  // A claim no storage class can satisfy stays Pending.
  const pvc = `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: no-such-class-${randomBytes(4).toString('hex')}\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`;
  const claim = manifests(t, 'claim', { 'pvc.yaml': pvc });
  const pending = await c.gdeploy(['apply', '-f', claim, '--app', 'claim', '--timeout', '3s']);
  assert.equal(pending.code, 4, pending.stderr);
  assert.match(pending.stderr, /persistentvolumeclaim\/data.*Bound/i);
});
