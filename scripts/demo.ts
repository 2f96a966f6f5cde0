// `npm run demo`: the tutorial's whole release-and-rollback story, on a sandbox
// started in this process, with gdeploy's real commands. Every step prints the
// command it runs, so a reader can repeat it by hand against `gdeploy sandbox`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';

const BIN = fileURLToPath(new URL('../bin/gdeploy.js', import.meta.url));
const APP = 'hello-world-flask';
const LATEST = 'lyzhang1999/hello-world-flask:latest';
const V1 = 'lyzhang1999/hello-world-flask:v1';
const MISSING = 'registry.invalid/hello-world-flask:v2';
const HOTFIX = 'lyzhang1999/hello-world-flask:v1-hotfix';

// The tutorial's app exactly as examples/hello-world-flask/ ships it.
const example = (name: string) => readFileSync(fileURLToPath(new URL(`../examples/hello-world-flask/${name}`, import.meta.url)), 'utf8');
const deployment = (image: string) => example('deployment.yaml').replace(LATEST, image);
const service = example('service.yaml');

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<{ code: number; out: string }> {
  const shown = cmd === process.execPath ? ['gdeploy', ...args.slice(1)] : [cmd, ...args];
  if (!opts.quiet) process.stdout.write(`$ ${shown.map(quote).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const forward = (chunk: Buffer) => {
      out += chunk.toString();
      if (!opts.quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function gdeploy(args: string[], expect: number | number[] = 0): Promise<string> {
  const r = await run(process.execPath, [BIN, ...args]);
  const ok = Array.isArray(expect) ? expect.includes(r.code) : r.code === expect;
  if (!ok) throw new Error(`gdeploy ${args.join(' ')} exited ${r.code}, expected ${String(expect)}`);
  if (r.code !== 0) process.stdout.write(`(exit code ${r.code})\n`);
  return r.out;
}

async function git(repo: string, args: string[]): Promise<string> {
  const r = await run('git', args, { cwd: repo });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} exited ${r.code}`);
  return r.out.trim();
}

async function commit(repo: string, file: string, content: string, message: string): Promise<string> {
  writeFileSync(join(repo, file), content);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', message]);
  return (await run('git', ['rev-parse', 'HEAD'], { cwd: repo, quiet: true })).out.trim();
}

/** What the app answers through the API server's service proxy, as `curl` would show it. */
async function curl(sb: Sandbox): Promise<string> {
  const path = `/api/v1/namespaces/default/services/${APP}/proxy/`;
  process.stdout.write(`$ curl $SERVER${path}\n`);
  const res = await fetch(sb.url + path);
  const body = (await res.text()).trim();
  process.stdout.write(`${body}\n`);
  return body;
}

/** Sends requests through the service proxy until stopped; counts answers and failures. */
function trafficDuring(sb: Sandbox) {
  const path = `${sb.url}/api/v1/namespaces/default/services/${APP}/proxy/`;
  const answers: string[] = [];
  let failures = 0;
  let requests = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      requests++;
      const res = await fetch(path).catch(() => undefined);
      if (!res || res.status !== 200) failures++;
      else {
        const kind = (await res.text()).replace(/ \S+$/, '').trim();
        if (answers[answers.length - 1] !== kind) answers.push(kind);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { requests, failures, answers };
    },
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gdeploy-demo-'));
  const sb = await startSandbox({ readyDelayMs: 400 });
  // The identity commits are made with, as a user's git configuration would give it.
  const env = { KUBECONFIG: sb.kubeconfigPath, NO_COLOR: process.env.NO_COLOR ?? '', GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@example.com' };
  Object.assign(process.env, env);
  try {
    step('A sandbox cluster is running (in another terminal: gdeploy sandbox)');
    process.stdout.write(`$ export KUBECONFIG=${sb.kubeconfigPath}\n$ export SERVER=${sb.url}\n`);

    step('The manifests live in a git repository, branch main');
    const repo = join(work, 'fluxcd-demo');
    await run('git', ['init', '-q', '-b', 'main', repo]);
    await git(repo, ['config', 'user.email', 'demo@example.com']);
    await git(repo, ['config', 'user.name', 'demo']);
    // gdeploy set-image --commit pushes here: the checked-out branch follows the push.
    await git(repo, ['config', 'receive.denyCurrentBranch', 'updateInstead']);
    writeFileSync(join(repo, 'service.yaml'), service);
    const first = await commit(repo, 'deployment.yaml', deployment(LATEST), 'Add deployment');

    step('Deploy the branch: gdeploy sync (the job Flux does every 5 s, here on demand)');
    await gdeploy(['sync', '--repo', repo, '--branch', 'main', '--app', APP]);
    await curl(sb);

    step('Release v1: commit the new image tag, sync, and watch new Pods come up before old ones go');
    await commit(repo, 'deployment.yaml', deployment(V1), 'Update image tag to v1');
    const traffic = trafficDuring(sb);
    await gdeploy(['sync', '--repo', repo, '--branch', 'main', '--app', APP]);
    const seen = await traffic.stop();
    process.stdout.write(
      `traffic through the Service during the release: ${seen.requests} requests, ${seen.failures} failed\n` +
        `  first answer: ${seen.answers[0] ?? '-'}\n` +
        `  last answer:  ${seen.answers[seen.answers.length - 1] ?? '-'}\n` +
        `  both versions answered while old and new Pods were serving together: ${new Set(seen.answers).size > 1 ? 'yes' : 'no'}\n`,
    );
    await curl(sb);

    step('Review a pending change before merging: gdeploy diff (exit 1 = there are differences)');
    writeFileSync(join(repo, 'deployment.yaml'), deployment(V1).replace('replicas: 2', 'replicas: 3'));
    await gdeploy(['diff', '-f', repo, '--app', APP], 1);
    await git(repo, ['checkout', '-q', '--', 'deployment.yaml']);

    step('A bad release: an image that cannot be pulled fails fast and is rolled back automatically');
    await commit(repo, 'deployment.yaml', deployment(MISSING), 'Update image tag to v2');
    await gdeploy(['sync', '--repo', repo, '--branch', 'main', '--app', APP, '--rollback-on-failure', '--timeout', '60s'], 3);
    await curl(sb);
    await git(repo, ['revert', '--no-edit', 'HEAD']);

    step('A hot fix from a laptop: gdeploy set-image (same syntax as kubectl set image), waits for the rollout');
    await gdeploy(['set-image', `deployment/${APP}`, `${APP}=${HOTFIX}`]);
    await curl(sb);

    step('Git and the cluster agree again: set-image --commit writes the image into the manifest, pushes, syncs');
    await gdeploy(['set-image', `deployment/${APP}`, `${APP}=${HOTFIX}`, '--commit']);
    await git(repo, ['show', '--format=%s', 'HEAD']);

    step('What was deployed, newest first');
    await gdeploy(['history', '--app', APP]);

    step(`Roll back to the first commit (${first.slice(0, 7)}): no force-push, the branch keeps its history`);
    await gdeploy(['rollback', first.slice(0, 7), '--app', APP]);
    await curl(sb);
    await gdeploy(['history', '--app', APP]);

    step('Done: the sandbox stops');
  } finally {
    await sb.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
