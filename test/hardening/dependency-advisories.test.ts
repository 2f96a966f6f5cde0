// `npm audit --omit=dev` is the real check for known vulnerabilities, but it
// needs the registry's audit endpoint, which not every mirror serves. This
// test is the offline floor: every package the installed tree runs with
// (devDependencies excluded) must be at or above the version that fixed each
// high or critical advisory published against it. A lockfile that pulls an
// older copy back in, directly or through another package, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface LockPackage {
  version?: string;
  dev?: boolean;
}

/** package -> [first fixed version, advisory]: high or critical advisories only. */
const FLOORS: Record<string, [string, string][]> = {
  'node-forge': [['1.3.2', 'GHSA-554w-wpv2-vw27 ASN.1 unbounded recursion; GHSA-5gfm-wpxj-wjgq ASN.1 validator desynchronization']],
  'jsonpath-plus': [['10.3.0', 'GHSA-pppg-cpfq-h7wr / CVE-2025-1302 remote code execution']],
  'form-data': [['4.0.4', 'GHSA-fjxv-7rqg-78g4 predictable multipart boundary']],
  'tar-fs': [['3.1.1', 'GHSA-vj76-c3g6-qr5v symlink validation bypass']],
  ws: [['8.17.1', 'GHSA-3h5v-q93c-6h6q denial of service with many headers']],
  'simple-git': [['3.16.0', 'GHSA-9p95-fxvg-qgq2 remote code execution through git options']],
  'node-fetch': [['2.6.7', 'GHSA-r683-j2x4-v87g cookie and authorization header leak on redirect']],
  'cross-spawn': [['7.0.5', 'GHSA-3xgq-45jj-v275 regular expression denial of service']],
  'js-yaml': [['4.1.1', 'GHSA-mh29-5h37-fv8m prototype pollution in merge (<<)']],
  yaml: [['2.2.2', 'GHSA-f9xv-q969-pqx4 uncaught exception on crafted input']],
};

function compare(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

test('npm audit (offline floor): no runtime dependency is below the fix of a known high-severity advisory', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockPackage> };
  const runtime = Object.entries(lock.packages).filter(([path, p]) => path.startsWith('node_modules/') && !p.dev);
  assert.ok(runtime.length > 20, 'the lockfile lists the runtime tree');
  const found = new Set<string>();
  const below: string[] = [];
  for (const [path, p] of runtime) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    for (const [fixed, advisory] of FLOORS[name] ?? []) {
      found.add(name);
      if (compare(p.version ?? '0.0.0', fixed) < 0) below.push(`${path}@${p.version} < ${fixed}: ${advisory}`);
    }
  }
  assert.deepEqual(below, []);
  // The floor must keep describing the tree we ship: these are in it today.
  for (const name of ['node-forge', 'jsonpath-plus', 'simple-git', 'js-yaml', 'yaml', 'ws']) assert.ok(found.has(name), `${name} is in the runtime tree`);
});
