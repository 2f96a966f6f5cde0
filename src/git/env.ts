// The environment every git child process runs with. A token is handed to git
// as an http.<url>.extraHeader through GIT_CONFIG_* variables: it never appears
// in argv (visible in `ps`), in the remote URL (which git prints), or on disk,
// and the header is scoped to the repository's URL so a redirect elsewhere
// does not carry it.
import { UsageError } from '../engine/errors.js';
import type { RepoUrl } from './url.js';

export interface GitAuth {
  /** Sent as an http(s) Basic credential; GDEPLOY_GIT_TOKEN or the URL's password. */
  token?: string;
  /** User name for the Basic credential; hosts that accept a token ignore it. */
  username?: string;
}

/** Hosts such as GitHub accept any user name with a token; this one is conventional. */
const TOKEN_USER = 'x-access-token';

export function authFor(repo: RepoUrl, env: NodeJS.ProcessEnv = process.env): GitAuth {
  const token = nonEmpty(env.GDEPLOY_GIT_TOKEN) ?? repo.password;
  if (token === undefined) return {};
  if (repo.transport !== 'https' && repo.transport !== 'http') {
    // A token only means something to an http(s) server; ssh uses keys.
    return {};
  }
  if (repo.transport === 'http' && !isLoopback(repo.fetchUrl)) {
    throw new UsageError(
      'refusing to send a git token over plain http:// to a remote host',
      'use an https:// URL',
    );
  }
  return { token, username: nonEmpty(env.GDEPLOY_GIT_USER) ?? repo.username ?? TOKEN_USER };
}

/**
 * Programs git starts for a person at a terminal: an editor for messages and
 * rebase todo lists, a pager for long output, an external diff. gdeploy passes
 * every message on the command line and reads git's output itself, so git
 * never needs them; simple-git refuses to run with them set, because each
 * names a program to execute. `npm run` alone sets EDITOR.
 */
const INTERACTIVE_PROGRAMS = new Set(['EDITOR', 'VISUAL', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER', 'GIT_EXTERNAL_DIFF']);

export function gitEnv(repo: RepoUrl, auth: GitAuth, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    // Names compared in upper case: Windows environments are case-insensitive, and so is simple-git's check.
    ...Object.fromEntries(Object.entries(base).filter(([name]) => !INTERACTIVE_PROGRAMS.has(name.toUpperCase()))),
    // Never wait for a password on a terminal nobody is watching.
    GIT_TERMINAL_PROMPT: '0',
    // Messages are parsed for a few cases (missing ref, auth); keep them in English.
    LC_ALL: 'C',
    LANGUAGE: 'C',
  };
  delete env.GDEPLOY_GIT_TOKEN;
  if (base.GIT_SSH_COMMAND === undefined && base.GIT_SSH === undefined) {
    // BatchMode: fail instead of prompting for a passphrase or a host key; the agent still works.
    env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  }
  if (auth.token !== undefined) {
    const credential = Buffer.from(`${auth.username ?? TOKEN_USER}:${auth.token}`).toString('base64');
    addConfig(env, `http.${repo.fetchUrl}.extraHeader`, `Authorization: Basic ${credential}`);
  }
  return env;
}

/** Appends one setting to the GIT_CONFIG_COUNT list, keeping any the user set. */
function addConfig(env: NodeJS.ProcessEnv, key: string, value: string): void {
  const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  env[`GIT_CONFIG_KEY_${n}`] = key;
  env[`GIT_CONFIG_VALUE_${n}`] = value;
  env.GIT_CONFIG_COUNT = String(n + 1);
}

/** Removes a secret from text that is about to be shown (git errors can echo headers with GIT_TRACE). */
export function scrub(text: string, auth: GitAuth): string {
  if (auth.token === undefined || auth.token === '') return text;
  const b64 = Buffer.from(`${auth.username ?? TOKEN_USER}:${auth.token}`).toString('base64');
  return text.split(auth.token).join('***').split(b64).join('***');
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
