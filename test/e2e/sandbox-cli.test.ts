// `gdeploy sandbox` as a user runs it: a long-running subprocess of the built
// CLI, driven by kubectl through the kubeconfig it writes, stopped with Ctrl+C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { GDEPLOY_BIN, REPO_ROOT, run } from '../helpers/cli.js';

const KUBECTL = '/usr/bin/kubectl';
const skip = existsSync(KUBECTL) ? false : `kubectl not found at ${KUBECTL}`;

interface RunningSandbox {
  url: string;
  kubeconfig: string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-sandbox-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startSandboxCli(t: { after(fn: () => Promise<void> | void): void }, args: string[]): Promise<RunningSandbox> {
  const child: ChildProcess = spawn(process.execPath, [GDEPLOY_BIN, 'sandbox', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (/^export KUBECONFIG=.+$/m.test(stdout)) resolve();
    });
    void exited.then((code) => reject(new Error(`gdeploy sandbox exited with ${code} before it was ready:\n${stderr}`)));
  });
  const url = /listening on (\S+)/.exec(stdout)?.[1];
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(stdout)?.[1];
  assert.ok(url && kubeconfig, `unexpected output:\n${stdout}`);
  return {
    url,
    kubeconfig,
    stderr: () => stderr,
    async stop(signal = 'SIGINT') {
      child.kill(signal);
      return exited;
    },
  };
}

function kubectl(kubeconfig: string, cacheDir: string, ...args: string[]) {
  return run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { timeoutMs: 60_000 });
}

function kubectlApply(kubeconfig: string, cacheDir: string, manifest: string) {
  return run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, 'apply', '-f', '-'], { timeoutMs: 60_000, input: manifest });
}

const SETTINGS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
`;

test('gdeploy sandbox serves kubectl through the kubeconfig it writes, and Ctrl+C stops it with 0', { skip }, async (t) => {
  const dir = tempDir(t);
  const kubeconfigOut = join(dir, 'kubeconfig');
  const sb = await startSandboxCli(t, ['--kubeconfig-out', kubeconfigOut]);
  assert.equal(sb.kubeconfig, kubeconfigOut);
  assert.match(sb.url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const ns = await kubectl(kubeconfigOut, join(dir, 'cache'), 'get', 'ns');
  assert.equal(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /^default\s/m);
  assert.match(ns.stdout, /^kube-system\s/m);

  assert.equal(await sb.stop('SIGINT'), 0);
  assert.match(sb.stderr(), /Sandbox stopped/);
});

test('with --tls, kubectl verifies the server against the CA in the kubeconfig and needs the token', { skip }, async (t) => {
  const dir = tempDir(t);
  const kubeconfigOut = join(dir, 'kubeconfig');
  const sb = await startSandboxCli(t, ['--tls', '--kubeconfig-out', kubeconfigOut]);
  assert.match(sb.url, /^https:\/\/127\.0\.0\.1:\d+$/);

  const cfg = yaml.load(readFileSync(kubeconfigOut, 'utf8')) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  assert.ok(cfg.clusters[0]!.cluster['certificate-authority-data']);
  assert.ok(cfg.users[0]!.user.token);

  const ns = await kubectl(kubeconfigOut, join(dir, 'cache'), 'get', 'ns', 'default');
  assert.equal(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /^default\s/m);

  const noToken = await kubectl(kubeconfigOut, join(dir, 'cache2'), '--token', 'wrong', 'get', 'ns');
  assert.notEqual(noToken.code, 0);
  assert.match(noToken.stderr, /You must be logged in to the server/);

  assert.equal(await sb.stop('SIGTERM'), 0);
});

test('with --state, a ConfigMap survives a restart', { skip }, async (t) => {
  const dir = tempDir(t);
  const state = join(dir, 'state.json');
  const kubeconfigOut = join(dir, 'kubeconfig');

  const first = await startSandboxCli(t, ['--state', state, '--kubeconfig-out', kubeconfigOut]);
  const created = await kubectlApply(kubeconfigOut, join(dir, 'cache1'), SETTINGS);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(await first.stop(), 0);

  const second = await startSandboxCli(t, ['--state', state, '--kubeconfig-out', kubeconfigOut]);
  const got = await kubectl(kubeconfigOut, join(dir, 'cache2'), 'get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}');
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stdout, 'blue');
  assert.equal(await second.stop(), 0);
});

test('bad flags are usage errors that name the flag', async () => {
  const r = await run(process.execPath, [GDEPLOY_BIN, 'sandbox', '--port', 'eighty', '--nodes', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port must be a port number/);
  assert.match(r.stderr, /--nodes must be a positive integer/);
});
