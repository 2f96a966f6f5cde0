// The README cannot rot: every command line in its reference must parse, with
// every flag it shows, and its demo command must run and say what it promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, run, runCli } from '../helpers/cli.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

function referenceLines(): string[] {
  const section = readme.slice(readme.indexOf('## Command reference'), readme.indexOf('## Exit codes'));
  assert.ok(section.length > 100, 'README has a Command reference section');
  const lines: string[] = [];
  for (const block of section.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const cmd = line.replace(/^[A-Z_]+=("[^"]*"|\S+)\s+/, '').trim();
      if (cmd.startsWith('gdeploy ')) lines.push(cmd);
    }
  }
  return lines;
}

test('every command in the README reference exists with the flags shown', async () => {
  const lines = referenceLines();
  assert.ok(lines.length >= 12, `found only ${lines.length} command lines`);
  const helpCache = new Map<string, string>();
  for (const line of lines) {
    const sub = line.split(/\s+/)[1]!;
    if (!helpCache.has(sub)) {
      const r = await runCli([sub, '--help']);
      assert.equal(r.code, 0, `gdeploy ${sub} --help failed: ${r.stderr}`);
      helpCache.set(sub, r.stdout);
    }
    const help = helpCache.get(sub)!;
    for (const flag of line.matchAll(/(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b/g)) {
      const f = flag[1]!;
      assert.ok(new RegExp(`(^|[\\s,])${f}(?![\\w-])`, 'm').test(help), `README shows "${f}" for gdeploy ${sub}, but its --help lacks it`);
    }
  }
});

test('the README says how to set up, run the demo and run the tests, and .ci/run runs exactly those', () => {
  assert.match(readme, /`npm ci`/);
  assert.match(readme, /npm ci && npm run demo/);
  assert.match(readme, /`npm test`/);
  const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  assert.match(ci, /^npm ci$/m);
  assert.match(ci, /^npm test$/m);
});

test("the README's demo command runs in a fresh copy of the project and tells the tutorial's story", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-readme-'));
  try {
    // A copy of every tracked and unignored file, as a clone would have them;
    // node_modules stands for `npm ci`, which .ci/run exercises on a real clone.
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      // A node_modules that is a link (not ignored as a directory would be) is left out too.
      .filter((f) => f && f !== 'node_modules');
    for (const f of files) {
      try {
        cpSync(join(REPO_ROOT, f), join(dir, f), { recursive: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted but not yet staged
      }
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    const r = await run('npm', ['run', 'demo'], { cwd: dir, timeoutMs: 170_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 0, out.slice(-3000));
    assert.match(out, /\$ gdeploy sync --repo \S+ --branch main --app hello-world-flask/);
    assert.match(out, /Hello, my first docker images! hello-world-flask-/);
    assert.match(out, /Hello, my v1 version docker images! hello-world-flask-/);
    assert.match(out, /requests, 0 failed/);
    assert.match(out, /ImagePullBackOff/);
    assert.match(out, /\$ gdeploy set-image deployment\/hello-world-flask \S+ --commit/);
    assert.match(out, /^committed [0-9a-f]{12} to main of /m);
    assert.match(out, /\$ gdeploy rollback [0-9a-f]{7} --app hello-world-flask/);
    assert.match(out, /\$ gdeploy history --app hello-world-flask/);
    assert.match(out, /Done: the sandbox stops/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the packed package installs into an empty directory and runs without dev dependencies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-pack-'));
  try {
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const tarball = join(dir, packed.split('\n').pop()!);
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'ignore' });
    execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'ignore' });
    const bin = join(app, 'node_modules', '.bin', 'gdeploy');
    const r = await run(bin, ['--help'], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: gdeploy/);
    const v = await run(bin, ['sandbox', '--help'], { cwd: app });
    assert.equal(v.code, 0, v.stderr);
    // No dev dependency was installed, so nothing at run time may need one.
    assert.throws(() => readFileSync(join(app, 'node_modules', 'typescript', 'package.json')));
    assert.ok(dirname(bin));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
