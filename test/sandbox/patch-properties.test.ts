import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonMergePatch, schemaFor, serverSideApply, strategicMergePatch } from '../../src/sandbox/patch/index.js';
import { fromFieldsV1, toFieldsV1 } from '../../src/sandbox/patch/fieldset.js';
import type { KubeObject } from '../../src/sandbox/types.js';
import { deployment } from './patch-fixtures.js';

const DEPLOYMENT = schemaFor('apps', 'Deployment');
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
// Plain objects, as JSON decoding produces (fast-check defaults to null prototypes).
const labels = fc.dictionary(name, name, { maxKeys: 3, noNullPrototype: true });

const container = fc.record(
  {
    name,
    image: fc.constantFrom('lyzhang1999/hello-world-flask:latest', 'lyzhang1999/hello-world-flask:v1', 'busybox'),
    args: fc.array(name, { maxLength: 2 }),
    // Keyed lists are never empty: an empty one sets no field, so no manager owns it
    // (a typed API object drops it anyway).
    env: fc.uniqueArray(fc.record({ name, value: name }, { noNullPrototype: true }), { selector: (e) => e.name, minLength: 1, maxLength: 3 }),
    ports: fc.uniqueArray(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }) }, { noNullPrototype: true }), {
      selector: (p) => p.containerPort,
      minLength: 1,
      maxLength: 2,
    }),
  },
  { requiredKeys: ['name'], noNullPrototype: true },
);

/** A Deployment configuration as a user would write it. */
const config = fc
  .record({
    containers: fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
    replicas: fc.integer({ min: 0, max: 5 }),
    labels,
  }, { noNullPrototype: true })
  .map(({ containers, replicas, labels: extra }) => {
    const d = deployment(containers);
    (d.spec as Record<string, unknown>).replicas = replicas;
    d.metadata.labels = { ...d.metadata.labels, ...extra };
    return d;
  });

function apply(live: KubeObject | undefined, applied: KubeObject, now: string): KubeObject {
  return serverSideApply({ live, applied, manager: 'gdeploy', force: false, apiVersion: 'apps/v1', schema: DEPLOYMENT, now });
}

test('applying the same configuration twice is a no-op', () => {
  fc.assert(
    fc.property(config, (c) => {
      const once = apply(undefined, c, '2026-01-01T00:00:00Z');
      assert.deepEqual(apply(once, c, '2026-01-01T00:05:00Z'), once);
    }),
  );
});

test('applying a configuration after another leaves exactly the second one (single manager)', () => {
  fc.assert(
    fc.property(config, config, (a, b) => {
      const first = apply(undefined, a, '2026-01-01T00:00:00Z');
      const second = apply(first, b, '2026-01-01T00:01:00Z');
      const fresh = apply(undefined, b, '2026-01-01T00:01:00Z');
      const { managedFields: _m1, ...meta } = second.metadata;
      const { managedFields: _m2, ...want } = fresh.metadata;
      assert.deepEqual(meta, want);
      assert.deepEqual(second.spec, fresh.spec);
      assert.deepEqual(second.metadata.managedFields, fresh.metadata.managedFields);
    }),
    { numRuns: 50 },
  );
});

test('a strategic merge patch that is empty, or repeats the object, changes nothing', () => {
  fc.assert(
    fc.property(config, (c) => {
      assert.deepEqual(strategicMergePatch(c, {}, DEPLOYMENT), c);
      assert.deepEqual(strategicMergePatch(c, structuredClone(c) as Record<string, unknown>, DEPLOYMENT), c);
    }),
  );
});

test('a merge patch of an object with itself is the object', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => assert.deepEqual(jsonMergePatch(v, v), stripNulls(v))));
});

test('fieldsV1 decodes to the set it was encoded from', () => {
  fc.assert(
    fc.property(config, (c) => {
      const fields = apply(undefined, c, '2026-01-01T00:00:00Z').metadata.managedFields![0]!.fieldsV1;
      assert.deepEqual(toFieldsV1(fromFieldsV1(fields)), fields);
    }),
  );
});

// Merge patch semantics: null inside an object patch means "delete", so it never survives.
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v) || typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
}
