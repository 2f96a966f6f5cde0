import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/kube/types.js';
import { changeDiff, maskSecrets } from '../../src/ui/diff.js';

const secret = (data: Record<string, string>, stringData?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 's',
    namespace: 'default',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}', keep: 'me' },
  },
  data,
  ...(stringData ? { stringData } : {}),
});

test('Secret values are masked; a changed value shows before/after, an unchanged one only ***', () => {
  const [b, a] = maskSecrets(secret({ password: 'b2xk', user: 'YWRtaW4=' }), secret({ password: 'bmV3', user: 'YWRtaW4=', added: 'eA==' }));
  assert.deepEqual(b!.data, { password: '*** (before)', user: '***' });
  assert.deepEqual(a!.data, { password: '*** (after)', user: '***', added: '***' });
});

test('stringData is masked too, and last-applied-configuration of a Secret is dropped', () => {
  const [, a] = maskSecrets(undefined, secret({}, { token: 'plain-text-token' }));
  assert.deepEqual(a!.stringData, { token: '***' });
  assert.deepEqual(a!.metadata.annotations, { keep: 'me' });
});

test('other kinds pass through untouched', () => {
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { password: 'visible' } };
  assert.equal(maskSecrets(cm, cm)[0], cm);
});

test('the inputs are not modified', () => {
  const s = secret({ password: 'b2xk' });
  maskSecrets(s, s);
  assert.equal((s.data as Record<string, string>).password, 'b2xk');
});

test('a Secret diff never shows a value, encoded or not', () => {
  const before = secret({ password: 'b2xk' });
  const after = secret({ password: 'bmV3' }, { extra: 'clear-text' });
  const text = changeDiff({ ref: { apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 's' }, subject: 'Secret/default/s', action: 'configured', before, after });
  assert.match(text, /-\s+password: '?\*\*\* \(before\)/);
  assert.match(text, /\+\s+password: '?\*\*\* \(after\)/);
  for (const secretText of ['b2xk', 'bmV3', 'clear-text', 'c2VjcmV0', 'last-applied']) assert.ok(!text.includes(secretText), `diff shows ${secretText}`);
});
