import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterKubeconfig, selectContext, staticCredentials } from '../../src/kube/kubeconfig.js';

test("inside a Pod, the service account's token, CA and namespace make the connection", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-sa-'));
  try {
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'namespace'), 'gdeploy-system');
    const cfg = inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    const sel = selectContext(cfg, undefined);
    assert.equal(sel.cluster.server, 'https://10.96.0.1:443');
    assert.equal(sel.cluster['certificate-authority'], join(dir, 'ca.crt'));
    assert.equal(sel.context.namespace, 'gdeploy-system');
    const creds = await staticCredentials(sel);
    assert.match(JSON.stringify(creds), /sa-token/);
    const v6 = inClusterKubeconfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    assert.equal(selectContext(v6, undefined).cluster.server, 'https://[fd00::1]:6443');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
