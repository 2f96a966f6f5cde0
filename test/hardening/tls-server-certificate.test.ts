// gdeploy verifies the API server against the kubeconfig's CA: a certificate
// from another CA is refused with a clear message, and skipping verification
// happens only when the kubeconfig says so, with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../src/sandbox/index.js';
import { generateTlsMaterial } from '../../src/sandbox/tls.js';
import { runCli } from '../helpers/cli.js';

test('a server certificate from another CA is refused; insecure-skip-tls-verify works only when asked for', async () => {
  const sb = await startSandbox({ tls: true, token: true, workloads: false });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-tls-'));
  try {
    const caData = Buffer.from(sb.caPem!).toString('base64');
    assert.ok(sb.kubeconfig.includes(caData), 'the sandbox kubeconfig carries its CA');
    const ok = await runCli(['history', '--app', 'x', '--kubeconfig', sb.kubeconfigPath]);
    assert.equal(ok.code, 0, ok.stderr);

    const wrong = join(dir, 'wrong-ca');
    writeFileSync(wrong, sb.kubeconfig.replace(caData, Buffer.from(generateTlsMaterial().caPem).toString('base64')));
    const refused = await runCli(['history', '--app', 'x', '--kubeconfig', wrong]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /certificate/i, refused.stderr);
    assert.doesNotMatch(refused.stderr, /^\s+at /m, 'no stack trace without -v');

    const insecure = join(dir, 'insecure');
    writeFileSync(insecure, sb.kubeconfig.replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true'));
    const skipped = await runCli(['history', '--app', 'x', '--kubeconfig', insecure]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /Warning: not verifying the certificate of https:\/\/127\.0\.0\.1:\d+: the kubeconfig sets insecure-skip-tls-verify/);
    assert.doesNotMatch(ok.stderr, /not verifying/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sb.stop();
  }
});
