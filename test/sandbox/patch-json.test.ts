import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonMergePatch, jsonPatch, PatchError } from '../../src/sandbox/patch/index.js';

test('merge patch (RFC 7386): objects merge, null deletes, arrays and scalars replace', () => {
  const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] };
  const out = jsonMergePatch(target, { a: 'z', c: { f: null, h: 'i' }, list: [3] });
  assert.deepEqual(out, { a: 'z', c: { d: 'e', h: 'i' }, list: [3] });
  assert.deepEqual(target, { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] }, 'the target is not mutated');
});

test('merge patch: RFC 7386 appendix examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) assert.deepEqual(jsonMergePatch(target, patch), want, JSON.stringify({ target, patch }));
});

test('JSON patch: add, remove, replace, move, copy and test, in order', () => {
  const doc = { metadata: { labels: { app: 'web' } }, spec: { replicas: 2, containers: [{ name: 'a' }, { name: 'b' }] } };
  const out = jsonPatch(doc, [
    { op: 'test', path: '/spec/replicas', value: 2 },
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'add', path: '/spec/containers/1', value: { name: 'mid' } },
    { op: 'add', path: '/spec/containers/-', value: { name: 'last' } },
    { op: 'remove', path: '/spec/containers/0' },
    { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
    { op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/layer' },
    { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } },
    { op: 'remove', path: '/metadata/annotations/a~0b~1c' },
  ]);
  assert.deepEqual(out, {
    metadata: { labels: { app: 'web', copy: 'web', layer: 'front' }, annotations: {} },
    spec: { replicas: 3, containers: [{ name: 'mid' }, { name: 'b' }, { name: 'last' }] },
  });
  assert.equal(doc.spec.replicas, 2, 'the target is not mutated');
});

test('JSON patch: a failing operation rejects the whole patch with a clear message', () => {
  const doc = { spec: { replicas: 2, list: [1] } };
  const fails = (ops: unknown, message: RegExp) =>
    assert.throws(() => jsonPatch(doc, ops), (err: unknown) => err instanceof PatchError && message.test(err.message));
  fails([{ op: 'test', path: '/spec/replicas', value: 3 }], /^testing value \/spec\/replicas failed: test failed$/);
  fails([{ op: 'remove', path: '/spec/missing' }], /remove operation does not apply: doc is missing path: "\/spec\/missing"/);
  fails([{ op: 'replace', path: '/nope/x', value: 1 }], /replace operation does not apply: doc is missing path/);
  fails([{ op: 'add', path: '/spec/list/5', value: 1 }], /index out of bounds/);
  fails([{ op: 'copy', from: '/spec/nothing', path: '/spec/x' }], /copy operation does not apply: doc is missing from path/);
  fails([{ op: 'move', from: '/spec', path: '/spec/inner' }], /is a prefix of "path"/);
  fails([{ op: 'frobnicate', path: '/spec' }], /Unexpected kind: frobnicate/);
  fails([{ op: 'add', path: '/spec/x' }], /operation missing value/);
  fails({ op: 'add' }, /cannot unmarshal/);
  fails([{ op: 'replace', path: '/spec/replicas', value: 5 }, { op: 'test', path: '/spec/replicas', value: 2 }], /test failed/);
  assert.equal(doc.spec.replicas, 2);
});

test('JSON patch: the whole document can be replaced and tested', () => {
  assert.deepEqual(jsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  assert.deepEqual(jsonPatch({ a: [1, { b: 2 }] }, [{ op: 'test', path: '', value: { a: [1, { b: 2 }] } }]), { a: [1, { b: 2 }] });
});

test('keys that are Object.prototype names are plain data (a ConfigMap may have a key __proto__)', () => {
  const patch = JSON.parse('{"data":{"__proto__":"x","constructor":"y"}}') as unknown;
  const merged = jsonMergePatch({ data: {} }, patch) as { data: Record<string, unknown> };
  assert.deepEqual(Object.keys(merged.data), ['__proto__', 'constructor']);
  assert.equal(Object.getPrototypeOf(merged.data), Object.prototype);
  const patched = jsonPatch({ data: {} }, [{ op: 'add', path: '/data/__proto__', value: 'x' }]) as { data: Record<string, unknown> };
  assert.deepEqual(Object.keys(patched.data), ['__proto__']);
});
