// A lock file between gdeploy processes sharing one cache directory. The file
// is created exclusively and holds who owns it; a lock whose process is gone
// (same host) or that is older than the stale age (any host) is taken over.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { GdeployError, ExitCode } from '../engine/errors.js';

export interface FileLockOptions {
  /** How long to wait for another process to let go (ms). */
  waitMs?: number;
  /** A lock older than this is considered abandoned whatever its pid (ms). */
  staleMs?: number;
  signal?: AbortSignal;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

export interface FileLock {
  release(): Promise<void>;
}

const POLL_MS = 100;
const HALF_WRITTEN_GRACE_MS = 2_000;

export async function acquireFileLock(path: string, opts: FileLockOptions = {}): Promise<FileLock> {
  const waitMs = opts.waitMs ?? 120_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const deadline = Date.now() + waitMs;
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (owner === undefined || isAbandoned(owner, staleMs)) {
      // Whoever removes it first wins the next exclusive create; losing just loops.
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new GdeployError(
        `the git cache ${path} is locked by pid ${owner.pid} on ${owner.host} since ${owner.since}`,
        { exitCode: ExitCode.LOCKED, hint: 'wait for that gdeploy to finish, or use a different --cache-dir' },
      );
    }
    await sleep(POLL_MS, undefined, { signal: opts.signal });
  }
}

/** undefined: the file is gone or was never completed and can be taken over. */
async function readOwner(path: string): Promise<Owner | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Owner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since };
    }
  } catch {
    // fall through: half-written
  }
  // Caught between create and write, or left empty by a crash: give the writer
  // a moment before treating it as abandoned.
  const mtime = await stat(path).then((s) => s.mtimeMs, () => 0);
  if (Date.now() - mtime > HALF_WRITTEN_GRACE_MS) return undefined;
  return { pid: 0, host: '', since: new Date(mtime).toISOString() };
}

function isAbandoned(owner: Owner, staleMs: number): boolean {
  if (Date.now() - Date.parse(owner.since) > staleMs) return true;
  if (owner.host !== hostname() || owner.pid <= 0) return false;
  return !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
