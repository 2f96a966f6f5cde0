import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cluster } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';

test('gdeploy version prints the client line and the server version of the cluster', async (t) => {
  const c = await cluster(t, { sandbox: { workloads: false } });
  const r = await c.gdeploy(['version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gdeploy \d+\.\d+\.\d+ \(@kubernetes\/client-node 1\.4\.\d+, Kubernetes API v1\.\d+\)$/m);
  assert.match(r.stdout, /^Server Version: v1\.\d+\.\d+/m);
  const j = await c.gdeploy(['version', '-o', 'json']);
  assert.equal(j.code, 0, j.stderr);
  const data = JSON.parse(j.stdout) as { clientVersion: { gdeploy: string }; serverVersion: { gitVersion: string } };
  assert.match(data.serverVersion.gitVersion, /^v1\./);
});

test('gdeploy version without a reachable cluster still prints the client line, then fails like kubectl version', async () => {
  const r = await runCli(['version', '--kubeconfig', '/nonexistent/kubeconfig']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^gdeploy \d/m);
  assert.match(r.stderr, /cannot reach the server: kubeconfig file "\/nonexistent\/kubeconfig" not found/);
  const c = await runCli(['version', '--client']);
  assert.equal(c.code, 0);
});
