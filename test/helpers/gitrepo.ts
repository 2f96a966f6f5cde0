// Temporary git repositories for tests: a bare "remote" plus a working clone
// to commit from, and three ways to serve the remote: a path, `git daemon`,
// and smart HTTP (git-http-backend behind a Node server with basic auth).
// Also the cluster side of the GitOps end-to-end tests: the cluster fixture
// (test/helpers/cluster.ts) shared by a file's tests, and their repositories.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createConnection, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, type TestContext } from 'node:test';
import { sharedCluster, type Cluster } from './cluster.js';

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

/** A port on 127.0.0.1 where nothing listens (until someone binds it). */
export async function freePort(): Promise<number> {
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

export { SKIP_WITHOUT_KUBECTL as NO_KUBECTL } from './cluster.js';

export interface GitOpsSuite {
  /** The test's cluster: a namespace of its own in the file's sandbox, or in the given cluster. */
  cluster(t: TestContext): Promise<Cluster>;
  /** A new repository, removed after the file's tests. */
  repo(name?: string): Promise<TempRepo>;
}

/** One sandbox per test file (or the given cluster), and the repositories its tests made. */
export function gitopsSuite(): GitOpsSuite {
  // Simulated seconds run at a tenth of real time: a loaded machine must not make a
  // progress deadline (600 s) pass before Pods had a chance to start.
  const shared = sharedCluster({ sandbox: { readyDelayMs: 0, timeFactor: 0.1 } });
  const repos: TempRepo[] = [];
  after(async () => {
    for (const r of repos) await r.cleanup();
  });
  return {
    cluster: (t) => shared.cluster(t),
    async repo(name) {
      const r = await makeRepo({ name });
      repos.push(r);
      return r;
    },
  };
}

/** The first container image of Deployment `name` in the test's namespace. */
export async function image(c: Cluster, name = 'hello-world-flask'): Promise<string | undefined> {
  return (await c.get(`deployment/${name}`))?.spec?.template?.spec?.containers?.[0]?.image;
}

/**
 * The tutorial's two commits, each synced as app `name`: Deployment `name` with
 * :latest plus a ConfigMap `<name>-extra`, then :v1 without the ConfigMap.
 */
export async function syncedTutorial(suite: GitOpsSuite, c: Cluster, name: string): Promise<{ r: TempRepo; first: string; second: string }> {
  const r = await suite.repo(name);
  const extra = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-extra\n`;
  const first = await r.commit({ 'deployment.yaml': helloWorldFlask('latest', { name }), 'extra.yaml': extra }, 'latest');
  await mustSync(c, r);
  const second = await r.commit({ 'deployment.yaml': helloWorldFlask('v1', { name }), 'extra.yaml': null }, 'v1');
  await mustSync(c, r);
  return { r, first, second };
}

async function mustSync(c: Cluster, r: TempRepo): Promise<void> {
  const res = await c.gdeploy(['sync', '--repo', r.remote]);
  if (res.code !== 0) throw new Error(`sync failed (${res.code}): ${res.stderr}`);
}
