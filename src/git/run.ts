// The one place a git process is started: simple-git bound to a bare mirror,
// with gdeploy's environment, and git's failures turned into GdeployErrors that
// say which repository and never contain a credential.
import { simpleGit, type SimpleGit } from 'simple-git';
import { GdeployError, errorMessage } from '../engine/errors.js';
import { gitEnv, scrub, type GitAuth } from './env.js';
import type { RepoUrl } from './url.js';

export interface GitRunner {
  git: SimpleGit;
  /** Maps a failure of a git command to a GdeployError about this repository. */
  fail(what: string, err: unknown): GdeployError;
}

export function gitRunner(
  baseDir: string,
  repo: RepoUrl,
  auth: GitAuth,
  signal?: AbortSignal,
  extraEnv: NodeJS.ProcessEnv = {},
): GitRunner {
  const git = simpleGit({
    baseDir,
    maxConcurrentProcesses: 4,
    abort: signal,
    // No output for this long means a stuck transfer, not a slow one.
    timeout: { block: 120_000 },
    // simple-git vets the environment for settings that run programs; this
    // environment is the user's own (without the interactive programs gitEnv
    // drops) plus one http header we add, so the user's askpass helper, ssh
    // command, git:// proxy and GIT_CONFIG_* settings are let through.
    unsafe: {
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeGitProxy: true,
      allowUnsafeSshCommand: true,
    },
  }).env({ ...gitEnv(repo, auth), ...extraEnv });
  return { git, fail: (what, err) => gitFailure(what, err, repo, auth) };
}

function gitFailure(what: string, err: unknown, repo: RepoUrl, auth: GitAuth): GdeployError {
  if (err instanceof GdeployError) return err;
  const detail = scrub(errorMessage(err), auth).trim();
  const first = tellingLine(detail);
  const where = repo.display;
  if (/Authentication failed|could not read Username|could not read Password|terminal prompts disabled|HTTP 40[13]|returned error: 40[13]|Permission denied \(publickey/i.test(detail)) {
    return new GdeployError(`${what}: authentication failed for ${where}`, {
      hint: auth.token === undefined
        ? 'set GDEPLOY_GIT_TOKEN, configure a git credential helper, or check your ssh key'
        : 'the token in GDEPLOY_GIT_TOKEN was refused; check that it is valid and can read the repository',
    });
  }
  if (/does not appear to be a git repository|Could not resolve host|Connection refused|unable to access|Repository not found|not found|No such file|unable to connect|Connection timed out|Could not read from remote/i.test(detail)) {
    return new GdeployError(`${what}: cannot reach repository ${where}: ${first.replace(/^fatal:\s*/, '')}`, {
      hint: 'check the --repo URL and your network',
    });
  }
  return new GdeployError(`${what} (${where}): ${first.replace(/^(fatal|error):\s*/, '')}`);
}

/**
 * The line of git's output that says what went wrong: the remote's own words,
 * a push's ref status (` ! [rejected] <sha> -> main (fetch first)`, said as
 * `main rejected: fetch first`) or git's error, ahead of other lines (an ssh
 * warning); hints and push's "To <url>" never.
 */
export function tellingLine(detail: string): string {
  const lines = detail.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('hint:') && !/^To \S/.test(l));
  const telling = [/^remote: (?!(Enumerating|Counting|Compressing|Total|Resolving) )/, /^! \[/, /^fatal:/, /^error:/];
  const line = telling.map((re) => lines.find((l) => re.test(l))).find((l) => l !== undefined) ?? lines[0] ?? detail.trim();
  const status = /^! \[([^\]]+)\]\s+\S+\s+->\s+(\S+)\s+\((.+)\)$/.exec(line);
  return status ? `${status[2]} ${status[1]}: ${status[3]}` : line;
}
