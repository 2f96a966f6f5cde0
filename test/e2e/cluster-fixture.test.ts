// The cluster fixture itself (test/helpers/cluster.ts): with
// GDEPLOY_TEST_KUBECONFIG naming a sandbox this test starts, a tiny end-to-end
// run (cluster-fixture.probe.ts) makes its namespaces and other objects, and
// afterwards they are gone (or Terminating), failed test included, nothing
// else in the cluster was touched, and the closing lines count what ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { run } from '../helpers/cli.js';
import { SKIP_WITHOUT_KUBECTL } from '../helpers/cluster.js';
import { countRecord, readRecord, summary } from '../../scripts/e2e-record.mjs';

/** Every object in the sandbox, by kind, namespace and name, with its resourceVersion. */
function everything(sb: Sandbox): Map<string, { namespace?: string; name: string; kind: string; group?: string; rv?: string }> {
  const out = new Map<string, { namespace?: string; name: string; kind: string; group?: string; rv?: string }>();
  for (const res of sb.store.allResources()) {
    for (const o of sb.store.list(res, undefined).items) {
      const { namespace, name, resourceVersion } = o.metadata;
      out.set(`${res.group}/${res.kind}/${namespace ?? ''}/${name}`, { namespace, name: name!, kind: res.kind, group: (o.spec as { group?: string } | undefined)?.group, rv: resourceVersion });
    }
  }
  return out;
}

test('with GDEPLOY_TEST_KUBECONFIG, tests make namespaces of their own, delete them after (failed or not), touch nothing else, and are counted', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const sb = await startSandbox({ workloads: false });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-fixture-'));
  t.after(async () => {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The sandbox gives each namespace its default ServiceAccount and CA ConfigMap
  // shortly after start; from then on, only a client changes anything.
  const { store } = sb;
  const settled = () =>
    store.list(store.resourceFor('', 'Namespace')!, undefined).items.every(
      (ns) => store.get(store.resourceFor('', 'ServiceAccount')!, ns.metadata.name, 'default') && store.get(store.resourceFor('', 'ConfigMap')!, ns.metadata.name, 'kube-root-ca.crt'),
    );
  while (!settled()) await new Promise((r) => setTimeout(r, 20));
  const before = everything(sb);
  const record = join(dir, 'e2e.jsonl');
  // A test run of its own, not a part of this one: without the runner's NODE_TEST_CONTEXT.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = await run(process.execPath, ['--import', 'tsx', '--test', 'test/e2e/cluster-fixture.probe.ts'], {
    env: { ...env, GDEPLOY_TEST_KUBECONFIG: sb.kubeconfigPath, GDEPLOY_TEST_RECORD: record, GDEPLOY_TEST_RUN: 'fixture-test' },
    replaceEnv: true,
    timeoutMs: 170_000,
  });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 1, `one test fails on purpose:\n${out}`);
  assert.match(out, /fails on purpose/);
  assert.match(out, /# SKIP needs sandbox fault hooks/);
  assert.match(out, /# SKIP the cluster lacks what this test needs/);

  const entries = readRecord(record);
  const counts = countRecord(entries);
  assert.equal(counts.ranOnGiven, 2, JSON.stringify(entries));
  assert.equal(counts.skipped, 2);
  assert.deepEqual(summary(entries, sb.kubeconfigPath), [
    `e2e against the cluster of ${sb.kubeconfigPath}: 2 of 4 tests ran there, 2 were skipped`,
    '  skipped 1: needs sandbox fault hooks',
    '  skipped 1: the cluster lacks what this test needs',
  ]);

  const ran = entries.filter((e) => e.kind === 'ran');
  const namespaces = new Set(ran.flatMap((e) => e.namespaces!));
  const groups = new Set(ran.flatMap((e) => e.groups!));
  // Each test: its own namespace, one more, and a Namespace it named.
  assert.equal(namespaces.size, 6, [...namespaces].join(' '));
  assert.equal(groups.size, 2);
  for (const ns of namespaces) assert.match(ns, /^gd-e2e-[a-z0-9-]{1,50}-[a-z0-9]{5}$/);
  for (const e of ran) assert.ok(e.namespaces![0]!.startsWith(`gd-e2e-${e.test!.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`), `${e.namespaces![0]} is named after "${e.test}"`);

  const after = everything(sb);
  const ours = (o: { namespace?: string; name: string; kind: string; group?: string }) =>
    namespaces.has(o.namespace ?? '') || (o.kind === 'Namespace' && namespaces.has(o.name)) || (o.kind === 'CustomResourceDefinition' && groups.has(o.group ?? ''));
  for (const [key, o] of after) {
    if (!ours(o)) continue;
    // Gone, or on its way out (a namespace stays Terminating while its contents go).
    const live = sb.store.list(sb.store.allResources().find((res) => key.startsWith(`${res.group}/${res.kind}/`))!, o.namespace).items.find((x) => x.metadata.name === o.name);
    assert.ok(!live || live.metadata.deletionTimestamp, `${key} was left behind`);
  }
  const untouched = (m: typeof before) => new Map([...m].filter(([, o]) => !ours(o)));
  assert.deepEqual(untouched(after), untouched(before), 'nothing outside the tests\' own objects changed');
});
