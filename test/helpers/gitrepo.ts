// Temporary git repositories for tests: a bare "remote" plus a working clone
// to commit from, and three ways to serve the remote: a path, `git daemon`,
// and smart HTTP (git-http-backend behind a Node server with basic auth).
// Also the cluster side of the GitOps end-to-end tests: a sandbox, the built
// CLI pointed at it with its own git cache, and a long-running `sync --watch`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { KubeObject } from '../../src/sandbox/types.js';

const run = promisify(execFile);
const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, ...IDENTITY, GIT_CONFIG_NOSYSTEM: '1' } });
  return stdout.trim();
}

export interface TempRepo {
  /** Parent directory of everything; `remote` lives inside it (for serving). */
  root: string;
  /** The bare repository other processes fetch from (a local path). */
  remote: string;
  /** The working clone commits are made in. */
  work: string;
  /** Repository name, `<name>.git` under root. */
  name: string;
  branch: string;
  /**
   * Writes files (null deletes one), commits everything and pushes to the
   * remote. Returns the new commit's sha.
   */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  head(): Promise<string>;
  /** `git cat-file -p <rev>^{tree}` style helpers for assertions. */
  tree(rev: string): Promise<string>;
  parents(rev: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function makeRepo(opts: { name?: string; branch?: string } = {}): Promise<TempRepo> {
  const name = opts.name ?? 'hello-world-flask';
  const branch = opts.branch ?? 'main';
  const root = await mkdtemp(join(tmpdir(), 'gdeploy-git-'));
  const remote = join(root, `${name}.git`);
  const work = join(root, 'work');
  await mkdir(remote);
  await git(remote, 'init', '--quiet', '--bare', `--initial-branch=${branch}`);
  // A rollback must never rewrite history: the remote refuses forced updates.
  await git(remote, 'config', 'receive.denyNonFastForwards', 'true');
  await git(root, 'init', '--quiet', `--initial-branch=${branch}`, work);
  await git(work, 'remote', 'add', 'origin', remote);
  let n = 0;
  return {
    root,
    remote,
    work,
    name,
    branch,
    async commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        const file = join(work, path);
        if (content === null) await rm(file, { force: true });
        else {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, content);
        }
      }
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '--allow-empty', '-m', message ?? `change ${++n}`);
      // The remote may have moved on (a rollback commit); build on top of it.
      await git(work, 'pull', '--quiet', '--rebase', 'origin', branch).catch(() => undefined);
      await git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
      return git(work, 'rev-parse', 'HEAD');
    },
    head: () => git(remote, 'rev-parse', `refs/heads/${branch}`),
    tree: (rev) => git(remote, 'rev-parse', `${rev}^{tree}`),
    parents: async (rev) => (await git(remote, 'rev-list', '--parents', '-n', '1', rev)).split(' ').slice(1),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export interface GitServer {
  /** URL of `<name>.git` under the served root. */
  url(name: string): string;
  close(): Promise<void>;
}

/** Serves every repository under `root` read-write with `git daemon` on 127.0.0.1. */
export async function serveGitDaemon(root: string): Promise<GitServer> {
  const port = await freePort();
  const daemon: ChildProcess = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', '--enable=receive-pack', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, root],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  return {
    url: (name) => `git://127.0.0.1:${port}/${name}.git`,
    close: () => stop(daemon),
  };
}

export interface HttpGitServer extends GitServer {
  /** Every request line and header the server saw, for "the token is never in a URL" checks. */
  seen: string[];
}

/**
 * Smart HTTP through git-http-backend (CGI), requiring basic auth whose
 * password is `token` (any user name), as GitHub accepts a token.
 */
export async function serveSmartHttp(root: string, token: string): Promise<HttpGitServer> {
  const backend = '/usr/lib/git-core/git-http-backend';
  if (!existsSync(backend)) throw new Error(`${backend} is missing`);
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const auth = req.headers.authorization ?? '';
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(/:(.*)/s);
    if (!auth.startsWith('Basic ') || pass !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('unauthorized\n');
      return;
    }
    cgi(backend, root, user ?? 'git', req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function cgi(backend: string, root: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const child = spawn(backend, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin!);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const i = line.indexOf(':');
      const key = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(key, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    if (!headersDone) res.writeHead(500);
    res.end();
  });
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** The tutorial's app: Deployment hello-world-flask, 2 replicas, the given image tag. */
export function helloWorldFlask(tag: string, opts: { replicas?: number; name?: string } = {}): string {
  const name = opts.name ?? 'hello-world-flask';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${opts.replicas ?? 2}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: hello-world-flask
        image: lyzhang1999/hello-world-flask:${tag}
        ports:
        - containerPort: 5000
`;
}

export const KUBECTL = '/usr/bin/kubectl';
export const NO_KUBECTL = existsSync(KUBECTL) ? false : 'kubectl not installed (/usr/bin/kubectl missing)';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface GitOpsCluster {
  sandbox: Sandbox;
  kubeconfig: string;
  cacheDir: string;
  /** The built CLI against the sandbox, with its own git cache. */
  gdeploy(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** A live object from the store (what `kubectl get` would show), or undefined. */
  get(group: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  /** Starts `gdeploy <args>` that keeps running (sync --watch), for the test to stop. */
  spawn(args: string[], env?: NodeJS.ProcessEnv): Background;
  close(): Promise<void>;
}

export interface Background {
  /** Everything printed so far, both streams. */
  output(): string;
  /** Resolves when the output matches, at or after `from` (an earlier output().length). */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function gitopsCluster(): Promise<GitOpsCluster> {
  // Simulated seconds run at a tenth of real time: a loaded machine must not make a
  // progress deadline (600 s) pass before Pods had a chance to start.
  const sandbox = await startSandbox({ readyDelayMs: 0, timeFactor: 0.1 });
  const cacheDir = await mkdtemp(join(tmpdir(), 'gdeploy-cache-'));
  const kubeconfig = sandbox.kubeconfigPath;
  const children = new Set<Background>();
  const base = (env?: NodeJS.ProcessEnv) => ({ ...process.env, NO_COLOR: '1', CI: 'true', KUBECONFIG: '', XDG_CACHE_HOME: cacheDir, ...env });
  return {
    sandbox,
    kubeconfig,
    cacheDir,
    gdeploy: (args, env) => runProcess(process.execPath, [GDEPLOY, '--kubeconfig', kubeconfig, ...args], base(env)),
    kubectl: (args, input) => runProcess(KUBECTL, ['--kubeconfig', kubeconfig, ...args], base(), input),
    get(group, kind, name, namespace = 'default') {
      const res = sandbox.store.resourceFor(group, kind);
      if (!res) throw new Error(`no resource ${group}/${kind}`);
      return sandbox.store.get(res, res.namespaced ? namespace : undefined, name);
    },
    spawn(args, env) {
      const bg = background(process.execPath, [GDEPLOY, '--kubeconfig', kubeconfig, ...args], base(env));
      children.add(bg);
      return bg;
    },
    async close() {
      for (const c of children) await c.stop('SIGKILL');
      await sandbox.stop();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

// GDEPLOY_BIN runs the end-to-end tests against another build of the CLI.
const GDEPLOY = process.env.GDEPLOY_BIN ?? fileURLToPath(new URL('../../bin/gdeploy.js', import.meta.url));

function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function background(cmd: string, args: string[], env: NodeJS.ProcessEnv): Background {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: string) => {
    out += d;
    for (const w of waiters) w();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    output: () => out,
    waitFor(pattern, from = 0, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out.slice(from));
          if (m) {
            cleanup();
            resolve(m[0]);
          } else if (done) {
            cleanup();
            reject(new Error(`gdeploy exited before printing ${pattern}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

export interface GitOpsSuite {
  /** The file's cluster (set once `before` ran). */
  readonly cluster: GitOpsCluster;
  /** A new repository, removed after the file's tests. */
  repo(name?: string): Promise<TempRepo>;
  /** The first container image of a Deployment in the cluster. */
  image(name?: string, namespace?: string): string | undefined;
}

/** One sandbox per test file, started before and stopped after its tests, with the repositories they made. */
export function gitopsSuite(): GitOpsSuite {
  let cluster: GitOpsCluster | undefined;
  const repos: TempRepo[] = [];
  before(async () => {
    cluster = await gitopsCluster();
  });
  after(async () => {
    await cluster?.close();
    for (const r of repos) await r.cleanup();
  });
  const suite: GitOpsSuite = {
    get cluster() {
      if (!cluster) throw new Error('the cluster starts in before()');
      return cluster;
    },
    async repo(name) {
      const r = await makeRepo({ name });
      repos.push(r);
      return r;
    },
    image(name = 'hello-world-flask', namespace = 'default') {
      const d = suite.cluster.get('apps', 'Deployment', name, namespace) as
        | { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }
        | undefined;
      return d?.spec?.template?.spec?.containers?.[0]?.image;
    },
  };
  return suite;
}

/**
 * The tutorial's two commits, each synced as app `name`: Deployment `name` with
 * :latest plus a ConfigMap `<name>-extra`, then :v1 without the ConfigMap.
 */
export async function syncedTutorial(suite: GitOpsSuite, name: string): Promise<{ r: TempRepo; first: string; second: string }> {
  const r = await suite.repo(name);
  const extra = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-extra\n`;
  const first = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name }), 'extra.yaml': extra }, 'latest');
  await mustSync(suite, r);
  const second = await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { name }), 'extra.yaml': null }, 'v1');
  await mustSync(suite, r);
  return { r, first, second };
}

async function mustSync(suite: GitOpsSuite, r: TempRepo): Promise<void> {
  const res = await suite.cluster.gdeploy(['sync', '--repo', r.remote]);
  if (res.code !== 0) throw new Error(`sync failed (${res.code}): ${res.stderr}`);
}
