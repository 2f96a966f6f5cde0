// Parses the --repo argument. Everything git is later given comes from here, so
// this is where hostile input is refused: anything git could read as an option
// or as a remote-helper transport (`ext::sh -c ...`), and credentials, which are
// split off so they never reach git's argv, logs or the cluster.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../engine/errors.js';

export type RepoTransport = 'local' | 'file' | 'https' | 'http' | 'ssh' | 'git';

export interface RepoUrl {
  transport: RepoTransport;
  /** What git fetches from: an absolute path or a URL, with any password removed. */
  fetchUrl: string;
  /** Safe to print, log and record: no user info for http(s). */
  display: string;
  /** The repository's name (last path segment without .git), used as the default app name. */
  name: string;
  /** User name given in an http(s) URL, used with the password or token. */
  username?: string;
  /** Password given in an http(s) URL; treated like a token. */
  password?: string;
}

const SCHEMES: Record<string, RepoTransport> = {
  'https:': 'https',
  'http:': 'http',
  'ssh:': 'ssh',
  'git+ssh:': 'ssh',
  'ssh+git:': 'ssh',
  'git:': 'git',
  'file:': 'file',
};

// user@host:path, as git itself recognises it: a colon before any slash.
const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/;

export function parseRepoUrl(input: string, cwd = process.cwd()): RepoUrl {
  const raw = input.trim();
  if (raw === '') throw new UsageError('--repo must not be empty');
  if (raw.startsWith('-')) {
    throw new UsageError(`refusing repository "${raw}": it starts with "-" and would be read as a git option`);
  }
  if (/[\0\r\n]/.test(raw)) throw new UsageError('refusing repository: it contains control characters');
  // `<transport>::<address>` runs a remote helper (ext:: runs any command).
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(raw)) {
    throw new UsageError(`refusing repository "${raw}": remote-helper transports ("<name>::") are not supported`);
  }

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined) return parseSchemeUrl(raw, scheme);

  const scp = SCP_LIKE.exec(raw);
  // A Windows drive letter (C:\repo) is a path, not a host.
  if (scp && !/^[A-Za-z]:[\\/]/.test(raw) && !raw.startsWith('.') && !raw.startsWith('/')) {
    return { transport: 'ssh', fetchUrl: raw, display: raw, name: repoName(scp[2]!) };
  }

  const path = isAbsolute(raw) ? raw : resolve(cwd, raw);
  return { transport: 'local', fetchUrl: path, display: path, name: repoName(path) };
}

function parseSchemeUrl(raw: string, scheme: string): RepoUrl {
  const transport = SCHEMES[scheme];
  if (transport === undefined) {
    throw new UsageError(`unsupported repository URL scheme "${scheme}//"`, 'use a path, file://, https://, http://, ssh:// or git@host:path');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid repository URL: ${redactUserInfo(raw)}`);
  }
  if (transport === 'file') {
    const path = filePath(url, raw);
    return { transport, fetchUrl: path, display: path, name: repoName(path) };
  }
  if (url.hostname === '') throw new UsageError(`invalid repository URL (no host): ${redactUserInfo(raw)}`);
  const username = url.username ? decodeUserInfo(url.username, 'user name') : undefined;
  const password = url.password ? decodeUserInfo(url.password, 'password') : undefined;
  const name = repoName(url.pathname);
  if (transport === 'http' || transport === 'https') {
    url.username = '';
    url.password = '';
    const clean = url.toString();
    return { transport, fetchUrl: clean, display: clean, name, username, password };
  }
  // ssh and git: a user name is part of the address, a password is not accepted.
  if (password !== undefined) {
    throw new UsageError('refusing a password in an ssh:// or git:// URL', 'use an ssh key or agent');
  }
  return { transport, fetchUrl: url.toString(), display: url.toString(), name };
}

function filePath(url: URL, raw: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    // A host other than localhost, or an encoded '/' in the path: not a local file.
    throw new UsageError(`invalid file:// repository URL "${redactUserInfo(raw)}"`, 'use file:///absolute/path or a plain path');
  }
}

function decodeUserInfo(encoded: string, what: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    // Never echo it: this is a credential.
    throw new UsageError(`invalid repository URL: the ${what} is not valid percent-encoding`);
  }
}

/** Last path segment without `.git`, in the form Kubernetes names allow. */
export function repoName(path: string): string {
  const segments = path.replace(/[\\/]+$/, '').split(/[\\/:]/);
  const last = (segments[segments.length - 1] ?? '').replace(/\.git$/i, '');
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53);
  return name === '' ? 'app' : name;
}

/** For error messages about input we could not even parse. */
export function redactUserInfo(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@/]*@/, '$1');
}
