// The one health ladder, kind by kind, from objects as the server returns them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../src/rollout/checks/index.js';

const obj = (kind: string, status: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ kind, metadata: { name: 'x', generation: 1 }, status, ...extra });
const ready = (status: string, reason = '', message = '') => ({ conditions: [{ type: 'Ready', status, reason, message }] });

test('generic rules first: being deleted, generation not observed, Stalled, Reconciling', () => {
  assert.equal(check({ kind: 'Widget', metadata: { name: 'x', deletionTimestamp: 'now' } as never }).done, false);
  assert.match(check(obj('Widget', { observedGeneration: 0 })).message, /observe generation 1/);
  const stalled = check(obj('Widget', { conditions: [{ type: 'Stalled', status: 'True', reason: 'Broken', message: 'no' }, { type: 'Ready', status: 'True' }] }));
  assert.deepEqual([stalled.done, stalled.failed, stalled.message], [false, true, 'Stalled=True (Broken): no']);
  assert.equal(check(obj('Widget', { conditions: [{ type: 'Reconciling', status: 'True' }, { type: 'Ready', status: 'True' }] })).done, false);
});

test('the Ready condition: True is current, a transient False waits, any other False fails at once', () => {
  assert.equal(check(obj('Certificate', ready('True'))).done, true);
  const issuing = check(obj('Certificate', ready('False', 'Issuing', 'ordering')));
  assert.deepEqual([issuing.done, issuing.failed], [false, undefined]);
  const refused = check(obj('Certificate', ready('False', 'Failed', 'the issuer refused')));
  assert.deepEqual([refused.done, refused.failed, refused.message], [false, true, 'Ready=False (Failed): the issuer refused']);
  assert.equal(check(obj('Certificate', ready('Unknown'))).done, false);
  assert.equal(check(obj('Thing', {})).done, true, 'no conventions: current');
  assert.equal(check(obj('Thing', { conditions: [{ type: 'Available', status: 'True' }] })).done, true);
});

test('per-kind rules: Job, PVC, Namespace, LoadBalancer Service, CRD, Pod', () => {
  const job = check({ kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } });
  assert.deepEqual([job.done, job.failed], [false, true]);
  assert.equal(check({ kind: 'Job', metadata: { name: 'j' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } }).done, true);
  assert.equal(check(obj('PersistentVolumeClaim', { phase: 'Pending' })).done, false);
  assert.equal(check(obj('PersistentVolumeClaim', { phase: 'Bound' })).done, true);
  assert.equal(check(obj('Namespace', { phase: 'Active' })).done, true);
  assert.equal(check(obj('Service', {}, { spec: { type: 'LoadBalancer' } })).done, false);
  assert.equal(check(obj('Service', { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } }, { spec: { type: 'LoadBalancer' } })).done, true);
  assert.equal(check(obj('Service', {}, { spec: { type: 'ClusterIP' } })).done, true);
  const names = check(obj('CustomResourceDefinition', { conditions: [{ type: 'NamesAccepted', status: 'False', reason: 'ListKindConflict' }] }));
  assert.deepEqual([names.done, names.failed], [false, true]);
  assert.equal(check(obj('CustomResourceDefinition', { conditions: [{ type: 'Established', status: 'True' }] })).done, true);
  assert.equal(check(obj('Pod', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })).done, false);
});
