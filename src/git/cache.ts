// Where bare mirrors live: one per repository under the cache directory,
// named so that a person can tell which is which and two URLs never collide.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RepoUrl } from './url.js';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'gdeploy');
}

export function mirrorDir(cacheDir: string, repo: RepoUrl): string {
  // Keyed on the credential-free URL: a new token must not mean a new clone.
  const key = createHash('sha256').update(repo.fetchUrl).digest('hex').slice(0, 16);
  return join(cacheDir, 'repos', `${repo.name}-${key}.git`);
}
