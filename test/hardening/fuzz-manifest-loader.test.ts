// The loader never crashes on bad input: random, mutated, huge, deeply nested,
// alias-bomb, binary and duplicate-key documents all end in either objects or a
// ManifestError that names the file — never another exception. Bounded here;
// raise FUZZ_RUNS to run more cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManifestError, parseManifests } from '../../src/engine/manifests.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const FILE = 'fuzz/app.yaml';

const valid = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: web:1
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: v}}
`;

function loadsOrNamesTheFile(text: string): void {
  try {
    const objs = parseManifests(text, FILE);
    for (const o of objs) assert.equal(typeof o.kind, 'string');
  } catch (err) {
    assert.ok(err instanceof ManifestError, `not a ManifestError: ${err instanceof Error ? err.stack : String(err)}`);
    assert.ok(err.message.includes(FILE), `the error does not name the file: ${err.message}`);
  }
}

test('random text, and random edits of a valid manifest, load or fail with an error naming the file', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400 }), loadsOrNamesTheFile), { numRuns: RUNS });
  const mutation = fc.tuple(fc.nat(valid.length), fc.nat(20), fc.string({ maxLength: 12 }));
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
      let text = valid;
      for (const [at, del, ins] of edits) text = text.slice(0, at) + ins + text.slice(at + del);
      loadsOrNamesTheFile(text);
    }),
    { numRuns: RUNS },
  );
});

test('hostile documents: alias bombs, deep nesting, huge scalars, binary bytes, duplicate keys, tabs', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const cases = [
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${bomb.join('\n  ')}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {k: "${'x'.repeat(2_000_000)}"}\n`,
    Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a]).toString('latin1'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\nmetadata: {name: again}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabs\n',
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, ',
    '- just\n- a\n- list\n',
    '42\n',
    'kind: ConfigMap\n',
  ];
  for (const text of cases) loadsOrNamesTheFile(text);
  assert.throws(() => parseManifests(cases[0]!, FILE), /fuzz\/app\.yaml: document 1 \(line 1\): expands to more than 1000000 values/);
  assert.throws(() => parseManifests(cases[1]!, FILE), /fuzz\/app\.yaml: document 1.*nest/);
  assert.throws(() => parseManifests(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"},"x":${"[".repeat(5000)}${"]".repeat(5000)}}`, "fuzz/app.json"), /fuzz\/app\.json: document 1 \(line 1\): nested more than 1000 levels deep/);
});
