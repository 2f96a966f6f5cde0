// The git adapter: everything gdeploy does with git goes through here.
export { parseRepoUrl, repoName, type RepoUrl, type RepoTransport } from './url.js';
export { authFor, type GitAuth } from './env.js';
export { defaultCacheDir } from './cache.js';
export { GitMirror, checkRefName, type CommitInfo, type MirrorOptions, type ResolvedCommit } from './mirror.js';
export { normaliseRepoPath } from './tree.js';
