// gdeploy verifies the API server against the kubeconfig's CA: a certificate
// from another CA is refused with a clear message, and skipping verification
// happens only when the kubeconfig says so, with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { generateTlsMaterial } from '../../src/sandbox/tls.js';
import { cluster } from '../helpers/cluster.js';

test('a server certificate from another CA is refused; insecure-skip-tls-verify works only when asked for', async (t) => {
  const c = await cluster(t, { sandbox: { tls: true, token: true, workloads: false } });
  const kubeconfig = readFileSync(c.kubeconfig, 'utf8');
  const caData = /certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1];
  if (!c.kube.server.startsWith('https://') || !caData) return c.skip(t, 'the kubeconfig has no certificate-authority-data for an HTTPS server');
  const ok = await c.gdeploy(['status']);
  assert.equal(ok.code, 0, ok.stderr);

  const dir = dirname(c.kubeconfig);
  const wrong = join(dir, 'wrong-ca');
  writeFileSync(wrong, kubeconfig.replace(caData, Buffer.from(generateTlsMaterial().caPem).toString('base64')));
  const refused = await c.gdeploy(['status', '--kubeconfig', wrong]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /certificate/i, refused.stderr);
  assert.doesNotMatch(refused.stderr, /^\s+at /m, 'no stack trace without -v');

  const insecure = join(dir, 'insecure');
  writeFileSync(insecure, kubeconfig.replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true'));
  const skipped = await c.gdeploy(['status', '--kubeconfig', insecure]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.ok(
    skipped.stderr.includes(`Warning: not verifying the certificate of ${c.kube.server}: the kubeconfig sets insecure-skip-tls-verify`),
    skipped.stderr,
  );
  assert.doesNotMatch(ok.stderr, /not verifying/);
});
