// Runs the built CLI (bin/gdeploy.js -> dist/) as a user would: a subprocess.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GDEPLOY_BIN = fileURLToPath(new URL('../../bin/gdeploy.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** `env` is the whole environment, not additions to this process's. */
  replaceEnv?: boolean;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Called with each piece of stderr as the command writes it, for tests that act on what it reports. */
  onStderr?: (chunk: string) => void;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [GDEPLOY_BIN, ...args], opts);
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...(opts.replaceEnv ? {} : process.env), NO_COLOR: '1', CI: 'true', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits before reading its input closes the pipe: its exit code says what happened, not an EPIPE here.
    child.stdin.on('error', () => undefined);
    if (opts.input) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
