// Shared by the apply and diff end-to-end tests: the cluster fixture
// (test/helpers/cluster.ts: a sandbox per test, or the given cluster), the
// built CLI and kubectl as subprocesses, temporary manifest directories, and
// the manifests they apply.
import { spawn } from 'node:child_process';

export { HAVE_KUBECTL, KUBECTL, cluster, manifests, write, type Cluster } from '../helpers/cluster.js';
export const NO_KUBECTL = 'kubectl not installed (/usr/bin/kubectl missing)';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
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
    // A command that exits before reading its input closes the pipe: its exit code says what happened, not an EPIPE here.
    child.stdin.on('error', () => undefined);
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
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
