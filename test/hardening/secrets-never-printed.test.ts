// Secret values never reach the terminal: not in diffs, change sets, -v logs,
// history or errors — in data, stringData or the last-applied annotation —
// and credentials (kubeconfig tokens, git tokens and passwords) never do either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runCli } from '../helpers/cli.js';
import { KUBECTL, cluster } from '../helpers/cluster.js';
import { makeRepo, serveSmartHttp } from '../helpers/gitrepo.js';

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

test('a full run of apply, diff, -o json|yaml, -v and history never prints a Secret value', async (t) => {
  const c = await cluster(t, { sandbox: { workloads: false } });
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-secret-'));
  try {
    const file = join(dir, 'secret.yaml');
    writeFileSync(file, secret(PLAIN, ENCODED));
    // A client-side kubectl apply first, so the object also carries the last-applied annotation.
    const kc = await c.kubectl(['apply', '-f', file]);
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
      const r = await c.gdeploy(args);
      assert.ok(r.code === 0 || (args[0] === 'diff' && r.code === 1), `gdeploy ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
      outputs.push(r.stdout, r.stderr);
    }
    const all = outputs.join('\n');
    assert.match(all, new RegExp(`Secret/${c.ns}/db2 \\(configured\\)`), 'the change to the Secret is reported');
    for (const value of [PLAIN, ENCODED, ENCODED_SOURCE, Buffer.from(PLAIN).toString('base64')]) {
      assert.ok(!all.includes(value), `a Secret value appeared in the output: ${value}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tokens and passwords in kubeconfigs, git URLs and Authorization headers are redacted in -v output', async (t) => {
  const GIT_TOKEN = 'git-token-never-printed';
  const URL_PASSWORD = 'url-password-never-printed';
  // A kubeconfig with a bearer token: the sandbox's own, or on a cluster a ServiceAccount's.
  const c = await cluster(t, { sandbox: { workloads: false, token: 'kube-bearer-token-never-printed' } });
  const kubeconfig = c.sandbox ? c.kubeconfig : (await c.namespaceUser()).kubeconfig;
  const KUBE_TOKEN = /^\s+token: (\S+)$/m.exec(readFileSync(kubeconfig, 'utf8'))![1]!;
  const repo = await makeRepo({ name: 'secrets' });
  const http = await serveSmartHttp(repo.root, GIT_TOKEN);
  const cache = mkdtempSync(join(tmpdir(), 'gdeploy-secret-cache-'));
  try {
    await repo.commit({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\ndata:\n  k: v\n' });
    const k = ['--kubeconfig', kubeconfig];
    const wrong = join(cache, 'wrong-kubeconfig');
    writeFileSync(wrong, readFileSync(kubeconfig, 'utf8').replace(KUBE_TOKEN, 'WRONG-TOKEN-0123456789'));
    const withPassword = http.url(repo.name).replace('://', `://ci:${URL_PASSWORD}@`);
    const runs = [
      // The token from the environment, -v: every request to the API server and to git is logged.
      await runCli(['sync', '--repo', http.url(repo.name), '--cache-dir', cache, '--app', 'from-git', '-v', ...k], { env: { GDEPLOY_GIT_TOKEN: GIT_TOKEN } }),
      // A password in the URL (refused by the server): the error names the repository, not the password.
      await runCli(['sync', '--repo', withPassword, '--cache-dir', cache, '--app', 'from-git', '-v', ...k]),
      await runCli(['history', '--app', 'from-git', '-v', '-o', 'json', ...k]),
      // A wrong kubeconfig token: the 401 must not echo what was sent.
      await runCli(['history', '--app', 'from-git', '-v', '--kubeconfig', wrong]),
    ];
    assert.equal(runs[0]!.code, 0, runs[0]!.stderr);
    assert.notEqual(runs[1]!.code, 0, 'a wrong password is refused');
    // Refused by any cluster that checks tokens (kubectl tells); refused or not, it is not echoed.
    const checksTokens = (await run(KUBECTL, ['--kubeconfig', wrong, 'get', 'configmaps'], { env: { KUBECONFIG: '' } })).code !== 0;
    if (checksTokens) assert.notEqual(runs[3]!.code, 0, 'a wrong token is refused');
    assert.ok(joined(runs).includes('WRONG-TOKEN') === false, 'not even a wrong token is echoed');
    assert.match(runs[0]!.stderr, /GET https:\/\/|GET http:\/\//, '-v logged the requests');
    const all = joined(runs);
    for (const value of [KUBE_TOKEN, GIT_TOKEN, URL_PASSWORD, Buffer.from(`ci:${GIT_TOKEN}`).toString('base64'), Buffer.from(`ci:${URL_PASSWORD}`).toString('base64')]) {
      assert.ok(!all.includes(value), `a credential appeared in the output: ${value}`);
    }
  } finally {
    await http.close();
    await repo.cleanup();
    rmSync(cache, { recursive: true, force: true });
  }
});

const joined = (runs: { stdout: string; stderr: string }[]): string => runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
