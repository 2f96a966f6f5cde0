import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cluster } from '../helpers/cluster.js';
import { GDEPLOY_BIN, run, runCli } from '../helpers/cli.js';

/** Runs bash's completion function as the shell would on TAB, and returns the candidates. */
async function complete(script: string, words: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-completion-'));
  try {
    writeFileSync(join(dir, 'completion.bash'), script);
    const line = `source ${join(dir, 'completion.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gdeploy; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await run('bash', ['-c', line], { env });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bash completion offers commands, their flags, and object names from the cluster', async (t) => {
  const script = (await runCli(['completion', 'bash'])).stdout;
  assert.ok((await complete(script, ['gdeploy', 'set-'], {})).includes('set-image'));
  const flags = await complete(script, ['gdeploy', 'sync', '--re'], {});
  // The command's own flags and the global ones every command takes.
  assert.deepEqual(flags.sort(), ['--ref', '--repo', '--retry-timeout']);

  const c = await cluster(t, { sandbox: { workloads: false } });
  const bin = mkdtempSync(join(tmpdir(), 'gdeploy-bin-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  symlinkSync(GDEPLOY_BIN, join(bin, 'gdeploy'));
  const applied = await c.gdeploy(['apply', '-f', 'examples/hello-world-flask/', '--no-wait']);
  assert.equal(applied.code, 0, applied.stderr);
  const env = { PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: c.kubeconfig };
  assert.deepEqual(await complete(script, ['gdeploy', 'edit', 'deployment/hello'], env), ['deployment/hello-world-flask']);
});

test('zsh and fish scripts are printed; an unknown shell is a usage error', async () => {
  assert.match((await runCli(['completion', 'zsh'])).stdout, /^#compdef gdeploy/);
  assert.match((await runCli(['completion', 'fish'])).stdout, /complete -c gdeploy -n '__fish_use_subcommand' -a sync/);
  const r = await runCli(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bash, zsh, fish/);
});
