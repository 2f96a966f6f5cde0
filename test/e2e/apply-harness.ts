// Shared by the apply and diff end-to-end tests: a sandbox per test file, the
// built CLI and kubectl as subprocesses (asynchronous: the sandbox serves from
// this same process), and temporary manifest directories.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../../src/sandbox/index.js';

export const KUBECTL = '/usr/bin/kubectl';
export const HAVE_KUBECTL = existsSync(KUBECTL);
export const NO_KUBECTL = 'kubectl not installed (/usr/bin/kubectl missing)';
// GDEPLOY_BIN runs another build of the CLI (e.g. one being debugged).
const BIN = process.env.GDEPLOY_BIN ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'gdeploy.js');

interface Hooks {
  after: (fn: () => Promise<void> | void) => void;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cluster {
  kubeconfig: string;
  gdeploy(args: string[], input?: string): Promise<Run>;
  kubectl(args: string[], input?: string): Promise<Run>;
  /** kubectl get -o json, parsed; undefined when not found. */
  get(kindName: string, namespace?: string): Promise<Record<string, any> | undefined>;
}

export async function cluster(t: Hooks): Promise<Cluster> {
  const sb = await startSandbox({ readyDelayMs: 0 });
  t.after(() => sb.stop());
  const kubeconfig = sb.kubeconfigPath;
  const c: Cluster = {
    kubeconfig,
    gdeploy: (args, input) => run(process.execPath, [BIN, '--kubeconfig', kubeconfig, ...args], input),
    kubectl: (args, input) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], input),
    async get(kindName, namespace) {
      const r = await c.kubectl(['get', kindName, '-o', 'json', '--show-managed-fields', ...(namespace ? ['-n', namespace] : [])]);
      if (r.code !== 0) {
        if (/NotFound|not found/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${kindName}: ${r.stderr}`);
      }
      return JSON.parse(r.stdout);
    },
  };
  return c;
}

export function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** A temporary directory named `name` (the default app name) with these files. */
export function manifests(t: Hooks, name: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gdeploy-e2e-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, name);
  mkdirSync(dir);
  write(dir, files);
  return dir;
}

export function write(dir: string, files: Record<string, string | null>): void {
  for (const [file, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, file), { force: true });
    else {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  }
}

export const configMap = (name: string, data: Record<string, string>, namespace?: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n` +
  Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('');

/** The seed scenario's Deployment. */
export const helloWorld = (image = 'lyzhang1999/hello-world-flask:latest', replicas = 2): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-world-flask
  labels:
    app: hello-world-flask
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: hello-world-flask
  template:
    metadata:
      labels:
        app: hello-world-flask
    spec:
      containers:
      - name: hello-world-flask
        image: ${image}
        ports:
        - containerPort: 5000
`;
