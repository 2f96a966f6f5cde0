import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

test('--help lists every command and the exit codes', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['apply', 'diff', 'set-image', 'edit', 'sync', 'rollback', 'history', 'status', 'sandbox']) {
    assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `command ${c} missing from --help`);
  }
  assert.match(r.stdout, /Exit codes:/);
});

test('--version names gdeploy, the client library and the Kubernetes API it was built against', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^gdeploy \d+\.\d+\.\d+ \(@kubernetes\/client-node 1\.4\.\d+, Kubernetes API v1\.\d+\)$/m);
});

test('an unknown command is a usage error (exit 2) with a suggestion', async () => {
  const r = await runCli(['aply']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'aply'/);
  assert.match(r.stderr, /Did you mean apply\?/);
});

test('a missing required flag is a usage error (exit 2) naming the flag', async () => {
  const r = await runCli(['apply']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--filename/);
});

// `gdeploy --help` and `--version` must not load the Kubernetes client, git or the
// YAML editor: walk the static imports of the bundle's entry and fail if any
// reaches them, imported or bundled in (esbuild marks bundled files with their path).
test('the start-up path does not import @kubernetes/client-node, simple-git or yaml', () => {
  const seen = new Set<string>();
  const heavy: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\/\/ node_modules\/(simple-git|yaml)\//gm)) heavy.push(`${file}: bundled ${m[1]}`);
    for (const m of src.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["'];?$/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else if (/^@kubernetes\/client-node|^simple-git|^ora$|^js-yaml|^diff$/.test(spec)) heavy.push(`${file}: ${spec}`);
    }
  };
  visit(join(REPO_ROOT, 'dist', 'cli.js'));
  assert.deepEqual(heavy, []);
});
