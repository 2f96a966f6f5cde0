// Scalars resolve as go-yaml v2 resolves them (sigs.k8s.io/yaml, which
// kubectl, Flux and kapp read manifests with): YAML 1.1 booleans, octal and
// underscores in numbers, timestamps left as strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/engine/manifests.js';

function value(scalar: string): unknown {
  const [cm] = parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: ${scalar}\n`, 'x.yaml');
  return (cm!.data as Record<string, unknown>).k;
}

test('YAML 1.1 booleans, as kubectl reads them', () => {
  for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) assert.equal(value(s), true, s);
  for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) assert.equal(value(s), false, s);
  for (const s of ['"yes"', "'no'", 'yES', 'oN', 'tRUE', 'enabled']) assert.equal(typeof value(s), 'string', s);
});

test('numbers: octal with a leading 0, 0x, 0o, 0b, underscores; floats; what is not a number stays a string', () => {
  const cases: Array<[string, unknown]> = [
    ['0755', 0o755],
    ['0o17', 15],
    ['0x1F', 31],
    ['-0x10', -16],
    ['0b101', 5],
    ['1_000', 1000],
    ['08', 8],
    ['+12', 12],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['~', null],
    ['null', null],
    ['1:20', '1:20'],
    ['2001-12-14', '2001-12-14'],
    ['2001-12-14T21:59:43.10-05:00', '2001-12-14T21:59:43.10-05:00'],
    ['1.2.3', '1.2.3'],
    ['v1', 'v1'],
  ];
  for (const [s, want] of cases) assert.deepEqual(value(s), want, s);
});

test('values JSON cannot carry are refused, naming the file and document; out-of-range floats stay strings', () => {
  for (const s of ['.inf', '-.Inf', '.nan']) {
    assert.throws(() => value(s), /x\.yaml: document 1 \(line 1\): .* cannot be written as JSON/, s);
  }
  assert.throws(() => value('9223372036854775807'), /x\.yaml: document 1 \(line 1\): the integer 9223372036854775807 is too large to send exactly/);
  assert.equal(value('1e400'), '1e400');
  assert.equal(value('9007199254740991'), 9007199254740991);
});

test('keys resolve too, then become strings, as in JSON', () => {
  const [cm] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  yes: a\n  0x10: b\n', 'x.yaml');
  assert.deepEqual(cm!.data, { true: 'a', 16: 'b' });
});

test('merge keys still work', () => {
  const [cm] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n  labels: {a: b}\ndata:\n  <<: {k: v}\n', 'x.yaml');
  assert.deepEqual(cm!.data, { k: 'v' });
});
