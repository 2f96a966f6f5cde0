// Runs every *.test.ts under test/ with Node's test runner (TypeScript via tsx).
// Usage: node scripts/test.mjs [filter-substring...]
// With GDEPLOY_TEST_KUBECONFIG=PATH the end-to-end tests run against the
// current context of that kubeconfig instead of sandboxes (test/helpers/cluster.ts);
// the closing lines say how many ran there and how many were skipped, and why.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readRecord, summary } from './e2e-record.mjs';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(2);
}
const given = process.env.GDEPLOY_TEST_KUBECONFIG ? resolve(process.env.GDEPLOY_TEST_KUBECONFIG) : undefined;
const recordDir = mkdtempSync(join(tmpdir(), 'gdeploy-test-record-'));
const record = join(recordDir, 'e2e.jsonl');
const env = {
  ...process.env,
  GDEPLOY_TEST_RECORD: record,
  // Namespaces of one run carry its id (label e2e.gdeploy.dev/run), so leftovers can be found.
  GDEPLOY_TEST_RUN: process.env.GDEPLOY_TEST_RUN || randomBytes(4).toString('hex'),
  ...(given ? { GDEPLOY_TEST_KUBECONFIG: given } : {}),
};
if (given) console.log(`# end-to-end tests run against the current context of ${given} (run ${env.GDEPLOY_TEST_RUN})`);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files],
  { stdio: 'inherit', env },
);
const lines = summary(readRecord(record), given);
rmSync(recordDir, { recursive: true, force: true });
for (const line of lines) console.log(`# ${line}`);
process.exit(r.status ?? 1);
