// CRDs in a deploy: waited for until Established only when objects of their
// kind follow or the command waits; one the server will never establish fails
// at once with the condition's reason, and is never called unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyOptions, KubeObject, ObjectRef } from '../../src/kube/types.js';
import { deploy } from '../../src/engine/index.js';
import { crdFailure } from '../../src/engine/crds.js';
import { FakeKube } from './fake-kube.js';

/** A cluster whose API server refuses to establish CRDs named `stuck.*`, the way an invalid CA bundle is refused. */
class StuckCRDs extends FakeKube {
  crdReads = 0;
  override async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const out = await super.apply(obj, opts);
    if (obj.kind === 'CustomResourceDefinition' && obj.metadata.name!.startsWith('stuck')) {
      const stuck = {
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
          { type: 'Established', status: 'False', reason: 'InvalidCABundle', message: 'spec.conversion.webhook.clientConfig.caBundle: unable to load root certificates' },
        ],
      };
      out.status = stuck;
      const live = this.objects.get(`apiextensions.k8s.io/CustomResourceDefinition//${obj.metadata.name}`);
      if (live) live.status = stuck;
    }
    return out;
  }
  override async get(ref: ObjectRef): Promise<KubeObject> {
    if (ref.kind === 'CustomResourceDefinition') this.crdReads++;
    return super.get(ref);
  }
}

const crd = (name: string, kind: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name },
  spec: { group: 'example.com', scope: 'Namespaced', names: { kind, plural: name.split('.')[0] }, versions: [{ name: 'v1' }] },
});
const base = { app: 'crds', namespace: 'default' };

test('without --wait a CRD whose objects do not follow is not waited for', async () => {
  const kube = new StuckCRDs();
  const r = await deploy(kube, { ...base, objects: [crd('stuck.example.com', 'Stuck')], wait: false });
  assert.deepEqual(r.errors, []);
  assert.equal(r.changeSet.changes[0]!.action, 'created');
  assert.equal(kube.crdReads, 0, 'no wait for Established');
});

test('a CRD that cannot become Established fails at once with the condition, and a rerun does not call it unchanged', async () => {
  const kube = new StuckCRDs();
  const waited = await deploy(kube, { ...base, objects: [crd('stuck.example.com', 'Stuck')], wait: true });
  assert.equal(waited.errors.length, 1);
  assert.match(waited.errors[0]!.message, /^CustomResourceDefinition\/stuck\.example\.com cannot become Established: Established=False, InvalidCABundle: spec\.conversion\.webhook\.clientConfig\.caBundle: unable to load root certificates$/);

  // Objects of its kind following make even a --no-wait deploy wait, and fail the same way.
  const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Stuck', metadata: { name: 'w' }, spec: {} };
  kube.writes.length = 0;
  const again = await deploy(kube, { ...base, objects: [crd('stuck.example.com', 'Stuck'), widget], wait: false });
  const crdChange = again.changeSet.changes.find((c) => c.ref.kind === 'CustomResourceDefinition')!;
  assert.equal(crdChange.action, 'failed', 'not "unchanged" while it is not Established');
  assert.match(again.errors.map((e) => e.message).join('\n'), /cannot become Established: Established=False, InvalidCABundle/);
  assert.deepEqual(kube.writes, [], 'nothing written');
});

test('crdFailure: passing states are not failures', () => {
  const withConditions = (conditions: unknown[]): KubeObject => ({ ...crd('x.example.com', 'X'), status: { conditions } });
  assert.equal(crdFailure(withConditions([])), undefined);
  assert.equal(crdFailure(withConditions([{ type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' }])), undefined);
  assert.equal(crdFailure(withConditions([{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }])), undefined);
  assert.match(
    crdFailure(withConditions([{ type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' }]))!,
    /NamesAccepted=False, KindConflict: "Widget" is already in use/,
  );
});
