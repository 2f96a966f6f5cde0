// Secret values never reach the terminal: not in diffs, change sets, -v logs,
// history or errors — in data, stringData or the last-applied annotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.js';
import { run, runCli } from '../helpers/cli.js';

const PLAIN = 'hunter2-plain-value';
const ENCODED_SOURCE = 'correct-horse-battery';
const ENCODED = Buffer.from(ENCODED_SOURCE).toString('base64');

const secret = (plain: string, encoded: string, name = 'db') => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
stringData:
  password: ${plain}
data:
  token: ${encoded}
`;

test('a full run of apply, diff, -o json|yaml, -v and history never prints a Secret value', async () => {
  const sb = await startSandbox({ workloads: false });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-secret-'));
  try {
    const file = join(dir, 'secret.yaml');
    writeFileSync(file, secret(PLAIN, ENCODED));
    const k = ['--kubeconfig', sb.kubeconfigPath];
    // A client-side kubectl apply first, so the object also carries the last-applied annotation.
    const kc = await run('kubectl', ['apply', '-f', file, ...k]);
    const outputs: string[] = [kc.code === 0 ? '' : `kubectl: ${kc.stderr}`];
    const steps = [
      ['diff', '-f', file, '--app', 'secrets', '-v'],
      ['apply', '-f', file, '--app', 'secrets', '--force-conflicts', '-v', '-o', 'json'],
      ['apply', '-f', file, '--app', 'secrets', '-o', 'yaml'],
      ['history', '--app', 'secrets', '-o', 'json'],
    ];
    // A Secret only gdeploy manages, whose values then change: the diff shows a change, masked.
    const own = join(dir, 'own.yaml');
    writeFileSync(own, secret(PLAIN, ENCODED, 'db2'));
    const changed = join(dir, 'changed.yaml');
    writeFileSync(changed, secret(`${PLAIN}-next`, Buffer.from(`${ENCODED_SOURCE}-next`).toString('base64'), 'db2'));
    steps.push(['apply', '-f', own, '--app', 'own', '-v']);
    steps.push(['diff', '-f', changed, '--app', 'own', '-v']);
    steps.push(['apply', '-f', changed, '--app', 'own', '-v', '--dry-run', '-o', 'json']);
    steps.push(['apply', '-f', changed, '--app', 'own', '-v']);
    for (const args of steps) {
      const r = await runCli([...args, ...k]);
      assert.ok(r.code === 0 || (args[0] === 'diff' && r.code === 1), `gdeploy ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
      outputs.push(r.stdout, r.stderr);
    }
    const all = outputs.join('\n');
    assert.match(all, /Secret\/default\/db2 \(configured\)/, 'the change to the Secret is reported');
    for (const value of [PLAIN, ENCODED, ENCODED_SOURCE, Buffer.from(PLAIN).toString('base64')]) {
      assert.ok(!all.includes(value), `a Secret value appeared in the output: ${value}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sb.stop();
  }
});
