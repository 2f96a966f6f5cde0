// A bare mirror of one remote repository in the cache: fetched, never
// re-cloned, and shared by every gdeploy process on the machine under a lock
// file. All reads (commits, ancestry, trees) are local once fetched.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { GdeployError, UsageError } from '../engine/errors.js';
import { mirrorDir } from './cache.js';
import { authFor, type GitAuth } from './env.js';
import { acquireFileLock } from './file-lock.js';
import { gitRunner, type GitRunner } from './run.js';
import { rewriteTree, type GitObject, type RewrittenTree } from './objects.js';
import { listTree, materializeTree, normaliseRepoPath, readBlobs, type KnownTree, type MaterializedTree, type TreeEntry } from './tree.js';
import type { RepoUrl } from './url.js';

export interface MirrorOptions {
  repo: RepoUrl;
  cacheDir: string;
  auth?: GitAuth;
  signal?: AbortSignal;
  /** How long to wait for another gdeploy process using the same mirror (ms). */
  lockWaitMs?: number;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  author: string;
  /** ISO 8601 committer date. */
  date: string;
}

/** A commit chosen by --branch or --ref, with the name it was chosen by. */
export interface ResolvedCommit {
  sha: string;
  branch?: string;
  /** The tag or commit given with --ref. */
  ref?: string;
  /** `main@sha1:<sha>`, `v1.2@sha1:<sha>`, or `sha1:<sha>` (Flux's notation). */
  revision: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const HEADS = 'refs/remotes/origin/';
/** The name pushes give the remote, configured for that one command. */
const REMOTE = 'gdeploy';

export class GitMirror {
  private readonly commits = new Map<string, CommitInfo>();
  /** Branch -> the head commitEdit left it at, for the next update() of that branch. */
  private readonly settled = new Map<string, string>();
  /** The last commit commitEdit made: its listing and the blobs it read or wrote, for the checkout that follows. */
  private written?: KnownTree & { sha: string };

  private constructor(
    readonly repo: RepoUrl,
    readonly dir: string,
    private readonly run: GitRunner,
    private readonly opts: MirrorOptions & { auth: GitAuth },
  ) {}

  static async open(opts: MirrorOptions): Promise<GitMirror> {
    const dir = mirrorDir(opts.cacheDir, opts.repo);
    await mkdir(dir, { recursive: true });
    const auth = opts.auth ?? authFor(opts.repo);
    const mirror = new GitMirror(opts.repo, dir, gitRunner(dir, opts.repo, auth, opts.signal), { ...opts, auth });
    if (!existsSync(join(dir, 'HEAD'))) {
      // init is idempotent; a half-made mirror from a killed run is completed here.
      await mirror.locked(() => mirror.run.git.raw(['init', '--bare', '--quiet']));
    }
    return mirror;
  }

  /** Brings every branch and tag up to date with the remote. */
  async fetch(): Promise<void> {
    await this.locked(async () => {
      try {
        // --verbose: simple-git takes a command that printed nothing as done only 50 ms after it exits.
        await this.run.git.raw([
          'fetch', '--verbose', '--prune', '--no-tags', '--no-write-fetch-head', '--end-of-options',
          this.repo.fetchUrl, `+refs/heads/*:${HEADS}*`, '+refs/tags/*:refs/tags/*',
        ]);
      } catch (err) {
        throw this.run.fail('git fetch failed', err);
      }
    });
  }

  /** The branch the remote's HEAD points at, and every branch and tag with its commit. */
  async remoteRefs(): Promise<{ defaultBranch?: string; refs: Map<string, string> }> {
    let out: string;
    try {
      out = await this.run.git.raw(['ls-remote', '--symref', '--end-of-options', this.repo.fetchUrl, 'HEAD', 'refs/heads/*', 'refs/tags/*']);
    } catch (err) {
      throw this.run.fail('cannot list the branches of the repository', err);
    }
    const refs = new Map<string, string>();
    let defaultBranch: string | undefined;
    for (const line of out.split('\n')) {
      const symref = /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(line);
      if (symref) defaultBranch = symref[1];
      const ref = /^([0-9a-f]{40,64})\s+(refs\/\S+?)(\^\{\})?$/.exec(line);
      if (!ref) continue;
      // A peeled tag (v1^{}) names the commit an annotated tag points at; that is what we compare.
      const [, sha, name, peeled] = ref;
      if (peeled !== undefined || !refs.has(name!)) refs.set(name!, sha!);
    }
    return { defaultBranch, refs };
  }

  /** The branch the remote's HEAD points at. */
  async defaultBranch(): Promise<string> {
    const { defaultBranch } = await this.remoteRefs();
    if (defaultBranch === undefined) throw new GdeployError(`${this.repo.display} has no default branch`, { hint: 'pass --branch' });
    return defaultBranch;
  }

  /**
   * Asks the remote where --branch or --ref points, fetching only when the
   * mirror does not have that yet: a poll of an unchanged branch is one
   * round trip and no transfer.
   */
  async update(spec: { branch?: string; ref?: string }): Promise<ResolvedCommit> {
    // Right after commitEdit, the first update of its branch answers the commit commitEdit
    // returned without asking the remote again: that commit is what the edit means to deploy,
    // even if someone pushes on top of it meanwhile (the next update deploys theirs).
    const settled = spec.ref === undefined && spec.branch !== undefined ? this.settled.get(spec.branch) : undefined;
    if (settled !== undefined) {
      this.settled.delete(spec.branch!);
      return { sha: settled, branch: spec.branch, revision: `${spec.branch}@sha1:${settled}` };
    }
    const { defaultBranch, refs } = await this.remoteRefs();
    const branch = spec.ref === undefined ? (spec.branch ?? defaultBranch) : undefined;
    if (spec.ref === undefined && branch === undefined) {
      throw new GdeployError(`${this.repo.display} has no default branch`, { hint: 'pass --branch' });
    }
    const name = spec.ref ?? branch!;
    checkRefName(name, spec.ref === undefined ? '--branch' : '--ref');
    const wanted = refs.get(`refs/tags/${name}`) ?? refs.get(`refs/heads/${name}`);
    const local = wanted === undefined ? undefined : await this.revParse(refs.has(`refs/tags/${name}`) ? `refs/tags/${name}` : `${HEADS}${name}`);
    if (wanted === undefined || local !== wanted) await this.fetch();
    return this.resolve(spec.ref === undefined ? { branch } : { ref: spec.ref });
  }

  /** Resolves --branch or --ref against what was last fetched. */
  async resolve(spec: { branch?: string; ref?: string }): Promise<ResolvedCommit> {
    if (spec.ref !== undefined) return this.resolveRef(spec.ref);
    const branch = spec.branch ?? (await this.defaultBranch());
    checkRefName(branch, '--branch');
    const sha = await this.revParse(`${HEADS}${branch}`);
    if (sha === undefined) {
      const known = (await this.branches()).slice(0, 10).join(', ');
      throw new GdeployError(`branch "${branch}" does not exist in ${this.repo.display}`, {
        hint: known ? `branches: ${known}` : undefined,
      });
    }
    return { sha, branch, revision: `${branch}@sha1:${sha}` };
  }

  private async resolveRef(ref: string): Promise<ResolvedCommit> {
    checkRefName(ref, '--ref');
    const tag = await this.revParse(`refs/tags/${ref}`);
    if (tag !== undefined) return { sha: tag, ref, revision: `${ref}@sha1:${tag}` };
    const branch = await this.revParse(`${HEADS}${ref}`);
    if (branch !== undefined) return { sha: branch, branch: ref, revision: `${ref}@sha1:${branch}` };
    const sha = await this.expandCommit(ref);
    return { sha, ref: sha, revision: `sha1:${sha}` };
  }

  /** A full or unique abbreviated commit id, as a full sha; a commit that is not in the mirror is an error. */
  async expandCommit(prefix: string): Promise<string> {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]{4,64}$/.test(p)) throw new UsageError(`"${prefix}" is not a commit id, branch or tag`);
    if (!SHA.test(p)) {
      // rev-parse would happily pick a tree or blob with that prefix; only commits count.
      const matches = (await this.run.git.raw(['rev-list', '--all'])).split('\n').filter((s) => s.startsWith(p));
      if (matches.length > 1) {
        throw new UsageError(`commit id "${prefix}" is ambiguous`, `candidates: ${matches.slice(0, 5).join(', ')}`);
      }
      if (matches.length === 1) return matches[0]!;
    } else if ((await this.revParse(p)) !== undefined) {
      return p;
    } else if (await this.fetchCommit(p)) {
      return p;
    }
    throw new GdeployError(`commit ${prefix} does not exist in ${this.repo.display}`);
  }

  /** Servers that allow it hand out a commit no branch points at any more. */
  private async fetchCommit(sha: string): Promise<boolean> {
    try {
      await this.locked(() => this.run.git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--end-of-options', this.repo.fetchUrl, sha]));
      return (await this.revParse(sha)) !== undefined;
    } catch {
      return false;
    }
  }

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    // `merge-base --is-ancestor` answers only through its exit status, which
    // simple-git does not report for a silent failure; compare the base instead.
    const base = await this.run.git.raw(['merge-base', '--end-of-options', ancestor, of]).catch(() => '');
    return base.trim() === ancestor;
  }

  /** How many commits `head` has that `base` does not (`git rev-list --count base..head`). */
  async commitsAhead(base: string, head: string): Promise<number> {
    const out = await this.run.git.raw(['rev-list', '--count', '--end-of-options', `${base}..${head}`, '--']);
    return Number(out.trim());
  }

  /** Newest first, following first parents, as `git log` shows a branch. */
  async log(from: string, max = 10): Promise<CommitInfo[]> {
    const out = await this.run.git.raw([
      'log', `--max-count=${max}`, '--first-parent', '--format=%H%x1f%s%x1f%an%x1f%cI%x1e', '--end-of-options', from, '--',
    ]);
    return out
      .split('\x1e')
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map((r) => {
        const [sha, subject, author, date] = r.split('\x1f');
        return { sha: sha!, subject: subject!, author: author!, date: date! };
      });
  }

  async commit(sha: string): Promise<CommitInfo> {
    const known = this.commits.get(sha);
    if (known) return known;
    const [c] = await this.log(sha, 1);
    if (c === undefined) throw new GdeployError(`commit ${sha} does not exist in ${this.repo.display}`);
    // Commits never change: remember them for the life of the process.
    this.commits.set(sha, c);
    return c;
  }

  async branches(): Promise<string[]> {
    const out = await this.run.git.raw(['for-each-ref', '--format=%(refname)', HEADS]);
    return out.split('\n').filter((r) => r.startsWith(HEADS)).map((r) => r.slice(HEADS.length)).filter((b) => b !== 'HEAD');
  }

  /**
   * Writes the files of `sha` into a new temporary directory. The caller
   * loads manifests from `root` and calls `dispose` when done.
   */
  async checkout(sha: string, path: string): Promise<MaterializedTree & { dispose(): Promise<void> }> {
    const repoPath = normaliseRepoPath(path);
    const dest = await mkdtemp(join(tmpdir(), 'gdeploy-tree-'));
    try {
      const tree = await materializeTree(this.run.git, sha, repoPath, dest, this.written?.sha === sha ? this.written : undefined);
      return { ...tree, dispose: () => rm(dest, { recursive: true, force: true }) };
    } catch (err) {
      await rm(dest, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Adds a commit on top of `branch` whose tree is that of `sha`, and pushes it
   * as a fast-forward: a rollback that keeps history instead of rewriting it.
   * Returns the new commit; a push the remote rejects (someone pushed first) is an error.
   */
  async commitTreeOf(sha: string, branch: string, message: string): Promise<string> {
    checkRefName(branch, '--branch');
    return this.locked(async () => {
      const parent = await this.revParse(`${HEADS}${branch}`);
      if (parent === undefined) throw new GdeployError(`branch "${branch}" does not exist in ${this.repo.display}`);
      const tree = (await this.run.git.raw(['rev-parse', '--verify', '--end-of-options', `${sha}^{tree}`])).trim();
      const config = await this.config();
      const committer = gitRunner(this.dir, this.repo, this.opts.auth, this.opts.signal, identityEnv(config));
      const commit = (await committer.git.raw(['commit-tree', tree, '-p', parent, '-m', message])).trim();
      try {
        await this.push(commit, branch, config);
      } catch (err) {
        throw this.run.fail(`pushing the rollback commit to ${branch} failed`, err);
      }
      return commit;
    });
  }

  /**
   * Commits an edit of files at the head of `branch` and pushes it as a
   * fast-forward. `edit` gets the files under `path` at the head (repository
   * paths -> text) and returns the ones it changed. When someone pushed first,
   * the branch is fetched and the same edit made again on the new head, a few
   * times; never a force-push. Returns the new commit, or the head with no
   * files when the edit changes nothing.
   */
  async commitEdit(
    branch: string,
    path: string,
    message: string,
    edit: (files: Map<string, string>) => Map<string, string>,
    tries = 3,
  ): Promise<{ sha: string; parent: string; files: string[] }> {
    checkRefName(branch, '--branch');
    const repoPath = normaliseRepoPath(path);
    for (let attempt = 1; ; attempt++) {
      await this.fetch();
      const made = await this.locked(async (): Promise<{ sha: string; parent: string; files: string[] } | { rejected: unknown }> => {
        const head = `${HEADS}${branch}`;
        const [parent, listing, config] = await Promise.all([this.revParse(head), this.listing(head).catch((err: unknown) => err), this.config()]);
        if (parent === undefined) throw new GdeployError(`branch "${branch}" does not exist in ${this.repo.display}`);
        if (!Array.isArray(listing)) throw this.run.fail(`cannot read ${branch} of ${this.repo.display}`, listing);
        const yaml = await this.yamlIn(listing, repoPath);
        const changed = edit(textsOf(yaml));
        // Git says so already: nothing to commit, and the head is what to deploy.
        if (changed.size === 0) return { sha: parent, parent, files: [] };
        const tree = await this.writeTree(config, listing, changed);
        const identity = identityEnv(config);
        const committer = gitRunner(this.dir, this.repo, this.opts.auth, this.opts.signal, identity);
        const commit = (await committer.git.raw(['commit-tree', tree.root, '-p', parent, '-m', message])).trim();
        try {
          await this.push(commit, branch, config);
        } catch (err) {
          return { rejected: err };
        }
        // What the sync of this commit reads next is known already: its files and its commit line.
        const blobs = new Map([...[...yaml.values()].map(({ oid, data }) => [oid, data] as const), ...tree.blobs.map((b) => [b.oid, b.data] as const)]);
        this.written = { sha: commit, listing: tree.listing, blobs };
        const known = knownCommit(commit, message, identity);
        if (known) this.commits.set(commit, known);
        return { sha: commit, parent, files: [...changed.keys()] };
      });
      if ('sha' in made) {
        this.settled.set(branch, made.sha);
        return made;
      }
      // Someone pushed first (or the push is not allowed): try again on the new head, then give up saying which.
      if (attempt >= tries || !(await this.branchMoved(branch))) {
        throw this.run.fail(`pushing to ${branch} of ${this.repo.display} failed${attempt > 1 ? ` after ${attempt} tries` : ''}; nothing was changed in the cluster`, made.rejected);
      }
    }
  }

  /** What `path` is at commit `sha`: a file, a directory, or nothing. */
  async pathType(sha: string, path: string): Promise<'file' | 'directory' | undefined> {
    const repoPath = normaliseRepoPath(path);
    if (repoPath === '') return 'directory';
    const listing = await this.run.git.raw(['ls-tree', '-z', '--end-of-options', sha, '--', repoPath]);
    const m = /^\d+ (blob|tree) /.exec(listing);
    return m ? (m[1] === 'tree' ? 'directory' : 'file') : undefined;
  }

  /** The text of one file at commit `sha`. */
  async readFile(sha: string, path: string): Promise<string> {
    return this.run.git.raw(['cat-file', 'blob', `${sha}:${normaliseRepoPath(path)}`]);
  }

  /** The YAML files under `path` at commit `sha` (repository paths -> text), as `commitEdit` hands them to its edit. */
  async yamlFiles(sha: string, path: string): Promise<Map<string, string>> {
    return this.readYaml(sha, normaliseRepoPath(path));
  }

  private async readYaml(sha: string, repoPath: string): Promise<Map<string, string>> {
    return textsOf(await this.yamlIn(await this.listing(sha), repoPath));
  }

  /** Every file and directory of a commit (`ls-tree -r -t`). */
  private listing(rev: string): Promise<TreeEntry[]> {
    return listTree(this.run.git, `${rev}^{commit}`, true);
  }

  /** The YAML files under `repoPath`, by path: id, bytes and text. */
  private async yamlIn(listing: TreeEntry[], repoPath: string): Promise<Map<string, { oid: string; data: Buffer; text: string }>> {
    const inPath = (p: string) => repoPath === '' || p === repoPath || p.startsWith(`${repoPath}/`);
    const yaml = listing.filter((e) => e.type === 'blob' && inPath(e.path) && /\.ya?ml$/i.test(e.path));
    const contents = await readBlobs(this.run.git, yaml);
    return new Map(yaml.map((e) => {
      const data = contents.get(e.path)!;
      return [e.path, { oid: e.oid, data, text: data.toString('utf8') }];
    }));
  }

  /** Writes the blobs of `changed` and the trees above them. */
  private async writeTree(config: Map<string, string>, listing: TreeEntry[], changed: Map<string, string>): Promise<RewrittenTree> {
    const format = config.get('extensions.objectformat') === 'sha256' ? 'sha256' : 'sha1';
    const files = new Map([...changed].map(([path, text]) => [path, Buffer.from(text, 'utf8')]));
    const tree = rewriteTree(format, listing, files);
    const scratch = await mkdtemp(join(tmpdir(), 'gdeploy-edit-'));
    try {
      const write = async (type: 'blob' | 'tree', objects: GitObject[]) => {
        const paths = objects.map((_, i) => join(scratch, `${type}-${i}`));
        await Promise.all(objects.map((o, i) => writeFile(paths[i]!, o.data)));
        // --no-filters: the bytes are the object, whatever attributes say about the path.
        const out = await this.run.git.raw(['hash-object', '-w', '--no-filters', '-t', type, '--', ...paths]);
        const written = out.split('\n').filter(Boolean);
        if (written.join() !== objects.map((o) => o.oid).join()) {
          throw new GdeployError(`git wrote ${type}s ${written.join(', ')} where ${objects.map((o) => o.oid).join(', ')} were expected (${this.repo.display})`);
        }
      };
      // Both run to the end before the scratch directory goes, whichever fails.
      const written = await Promise.allSettled([write('blob', tree.blobs), write('tree', tree.trees)]);
      for (const w of written) if (w.status === 'rejected') throw w.reason;
      return tree;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Pushes `commit` to `branch` as a fast-forward (no '+', no --force: the
   * remote refuses anything else). The push names the remote by its
   * configuration so that git moves the mirror's remote-tracking branch itself
   * once the remote took the commit.
   */
  private async push(commit: string, branch: string, config: Map<string, string>): Promise<void> {
    const refspec = `${commit}:refs/heads/${branch}`;
    // Settings of a remote of that name elsewhere (a pushurl in the user's configuration) would add to
    // these and could send the commit somewhere else: then push to the URL and move the branch after.
    if (![...config.keys()].some((k) => k.startsWith(`remote.${REMOTE}.`))) {
      await this.run.git.raw([
        '-c', `remote.${REMOTE}.url=${this.repo.fetchUrl}`, '-c', `remote.${REMOTE}.fetch=+refs/heads/*:${HEADS}*`,
        'push', '--end-of-options', REMOTE, refspec,
      ]);
      return;
    }
    await this.run.git.raw(['push', '--end-of-options', this.repo.fetchUrl, refspec]);
    await this.run.git.raw(['update-ref', `${HEADS}${branch}`, commit]);
  }

  /** Whether the remote's branch is no longer what the mirror has: a push lost a race rather than being refused. */
  private async branchMoved(branch: string): Promise<boolean> {
    const { refs } = await this.remoteRefs();
    return refs.get(`refs/heads/${branch}`) !== (await this.revParse(`${HEADS}${branch}`));
  }

  /** The mirror's configuration as git sees it (the user's and the system's included): one `git config --list`. */
  private async config(): Promise<Map<string, string>> {
    const config = new Map<string, string>();
    for (const line of (await this.run.git.raw(['config', '--list', '-z']).catch(() => '')).split('\0')) {
      const nl = line.indexOf('\n');
      if (nl > 0) config.set(line.slice(0, nl), line.slice(nl + 1));
    }
    return config;
  }

  private async revParse(rev: string): Promise<string | undefined> {
    try {
      const out = (await this.run.git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim();
      return SHA.test(out) ? out : undefined;
    } catch {
      return undefined;
    }
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = await acquireFileLock(`${this.dir}.lock`, { waitMs: this.opts.lockWaitMs, signal: this.opts.signal });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }
}

/** Refuses names git could take as an option or a revision expression. */
export function checkRefName(name: string, flag: string): void {
  if (name.startsWith('-')) {
    throw new UsageError(`refusing ${flag} "${name}": it starts with "-" and would be read as a git option`);
  }
  // git check-ref-format's rules; a name git would refuse is a typo, reported against the flag.
  if (name === '' || name === '@' || /[\s~^:?*[\\\0-\x1f\x7f]|\.\.|@\{|\/\/|\.lock(\/|$)|(^|\/)\.|^\/|\/$|\.$/.test(name)) {
    throw new UsageError(`${flag} "${name}" is not a valid git reference name`);
  }
}

/** Repository paths -> text, as `commitEdit` hands files to its edit. */
function textsOf(files: Map<string, { text: string }>): Map<string, string> {
  return new Map([...files].map(([path, { text }]) => [path, text]));
}

/** The user's git identity if configured, else one that says who made the commit. */
function identityEnv(config: Map<string, string>): NodeJS.ProcessEnv {
  const env = process.env;
  const name = env.GIT_AUTHOR_NAME ?? (config.get('user.name') || `gdeploy (${userInfo().username})`);
  const email = env.GIT_AUTHOR_EMAIL ?? (config.get('user.email') || `${userInfo().username}@${hostname()}`);
  // Unless the user gives dates, both are now, given as git would take them (local time), so that the commit's date is known without reading it back.
  const now = env.GIT_AUTHOR_DATE === undefined && env.GIT_COMMITTER_DATE === undefined ? gitDate(new Date()) : undefined;
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? name,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? email,
    ...(now === undefined ? {} : { GIT_AUTHOR_DATE: now, GIT_COMMITTER_DATE: now }),
  };
}

/**
 * What `commit()` would read back from a commit just made, when it can be
 * told without asking git: a plain one-line subject, a name git keeps as
 * given, and dates gdeploy chose. Otherwise nothing, and commit() asks.
 */
function knownCommit(sha: string, message: string, identity: NodeJS.ProcessEnv): CommitInfo | undefined {
  const subject = message.split('\n')[0]!;
  const author = identity.GIT_AUTHOR_NAME!;
  const date = identity.GIT_COMMITTER_DATE;
  const plain = (s: string) => s !== '' && s === s.trim() && !/[\r<>]/.test(s);
  // git drops these from the ends of a name (ident.c's "crud").
  const keptByGit = plain(author) && !/^[.,:;"'\\]|[.,:;"'\\]$/.test(author);
  const oneLine = plain(subject) && (message.length === subject.length || /^\n(\n|$)/.test(message.slice(subject.length)));
  return date !== undefined && keptByGit && oneLine ? { sha, subject, author, date } : undefined;
}

/** A date as `git log --format=%cI` prints it: ISO 8601 to the second, in local time with its offset (newer gits write +00:00 as Z). */
function gitDate(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
