import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitMirror } from '../../src/git/mirror.js';
import { parseRepoUrl } from '../../src/git/url.js';
import { acquireFileLock } from '../../src/git/file-lock.js';
import { GdeployError, UsageError, errorMessage } from '../../src/engine/errors.js';
import { git, makeRepo, serveGitDaemon, serveSmartHttp } from '../helpers/gitrepo.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gdeploy-cache-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function repoWithHistory() {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  const first = await repo.commit({ 'deployment.yaml': 'image: latest\n', 'docs/README.md': 'hi\n' }, 'first');
  const second = await repo.commit({ 'deployment.yaml': 'image: v1\n' }, 'second');
  return { repo, first, second };
}

test('a local repository is mirrored, resolved by branch, tag and short sha, and read from the commit', async () => {
  const { repo, first, second } = await repoWithHistory();
  await git(repo.remote, 'tag', 'v0', first);
  const cache = await cacheDir();
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: cache, auth: {} });
  await mirror.fetch();

  assert.equal(await mirror.defaultBranch(), 'main');
  const head = await mirror.resolve({});
  assert.deepEqual(head, { sha: second, branch: 'main', revision: `main@sha1:${second}` });
  assert.equal((await mirror.resolve({ ref: 'v0' })).sha, first);
  assert.equal((await mirror.resolve({ ref: first.slice(0, 7) })).revision, `sha1:${first}`);
  assert.equal(await mirror.isAncestor(first, second), true);
  assert.equal(await mirror.isAncestor(second, first), false);
  assert.deepEqual((await mirror.log(second, 5)).map((c) => c.subject), ['second', 'first']);

  const tree = await mirror.checkout(first, './');
  assert.equal(await readFile(join(tree.root, 'deployment.yaml'), 'utf8'), 'image: latest\n');
  await tree.dispose();

  await assert.rejects(mirror.resolve({ branch: 'nope' }), /branch "nope" does not exist/);
  await assert.rejects(mirror.resolve({ ref: 'deadbeef' }), /commit deadbeef does not exist/);
  await assert.rejects(mirror.checkout(first, 'missing/dir'), /path "missing\/dir" does not exist/);
  await assert.rejects(mirror.checkout(first, '../..'), UsageError);

  // A second fetch reuses the mirror: new commits arrive, nothing is re-cloned.
  const third = await repo.commit({ 'deployment.yaml': 'image: v2\n' });
  await mirror.fetch();
  assert.equal((await mirror.resolve({ branch: 'main' })).sha, third);
  assert.equal((await readdir(join(cache, 'repos'))).filter((d) => d.endsWith('.git')).length, 1);
});

test('only the --path subtree is written, unless a kustomization may reach outside it; symlinks never', async () => {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  const plain = await repo.commit({ 'apps/web/d.yaml': 'a: 1\n', 'other/x.yaml': 'b: 2\n' });
  await git(repo.work, 'rm', '--quiet', '-r', 'apps');
  await symlink('/etc/hostname', join(repo.work, 'leak.yaml'));
  const withKustomize = await repo.commit({
    'base/d.yaml': 'a: 1\n',
    'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\n',
  });
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  await mirror.fetch();

  const a = await mirror.checkout(plain, 'apps/web');
  assert.deepEqual(await readdir(a.root), ['d.yaml']);
  await assert.rejects(readFile(join(a.root, '..', '..', 'other', 'x.yaml')), /ENOENT/);
  await a.dispose();

  const b = await mirror.checkout(withKustomize, 'overlays/prod');
  assert.equal(await readFile(join(b.root, '..', '..', 'base', 'd.yaml'), 'utf8'), 'a: 1\n');
  assert.deepEqual(b.skipped, ['leak.yaml']);
  await b.dispose();
});

test('a rollback commit has the old tree, the old head as parent, and is pushed without force', async () => {
  const { repo, first, second } = await repoWithHistory();
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  await mirror.fetch();
  const made = await mirror.commitTreeOf(first, 'main', `Roll back to ${first}`);
  assert.equal(await repo.head(), made);
  assert.equal(await repo.tree(made), await repo.tree(first));
  assert.deepEqual(await repo.parents(made), [second]);
  assert.equal(await git(repo.remote, 'log', '-1', '--format=%s', made), `Roll back to ${first}`);
});

test('git daemon and smart HTTP serve the same repository; a wrong token fails without showing it', async () => {
  const { repo, second } = await repoWithHistory();
  const daemon = await serveGitDaemon(repo.root);
  cleanups.push(daemon.close);
  const token = 'tok-' + Math.random().toString(36).slice(2);
  const http = await serveSmartHttp(repo.root, token);
  cleanups.push(http.close);

  const viaDaemon = await GitMirror.open({ repo: parseRepoUrl(daemon.url(repo.name)), cacheDir: await cacheDir(), auth: {} });
  await viaDaemon.fetch();
  assert.equal((await viaDaemon.resolve({})).sha, second);

  const url = parseRepoUrl(http.url(repo.name));
  const viaHttp = await GitMirror.open({ repo: url, cacheDir: await cacheDir(), auth: { token, username: 'ci' } });
  await viaHttp.fetch();
  assert.equal((await viaHttp.resolve({ branch: 'main' })).sha, second);
  assert.ok(http.seen.every((line) => !line.includes(token)), 'the token is never part of a URL');

  const wrong = await GitMirror.open({ repo: url, cacheDir: await cacheDir(), auth: { token: 'wrong-token-xyz' } });
  const err = await wrong.fetch().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof GdeployError);
  assert.match(errorMessage(err), /authentication failed/);
  assert.ok(!errorMessage(err).includes('wrong-token-xyz') && !(err.hint ?? '').includes('wrong-token-xyz'));

  const none = await GitMirror.open({ repo: url, cacheDir: await cacheDir(), auth: {} });
  await assert.rejects(none.fetch(), /authentication failed/);
});

test('an unreachable repository is a clear error', async () => {
  const mirror = await GitMirror.open({ repo: parseRepoUrl('/nonexistent/repo.git'), cacheDir: await cacheDir(), auth: {} });
  await assert.rejects(mirror.fetch(), /cannot reach repository \/nonexistent\/repo\.git/);
});

test('the cache lock waits for a live holder and takes over from a dead one', async () => {
  const dir = await cacheDir();
  const path = join(dir, 'm.lock');
  const held = await acquireFileLock(path);
  await assert.rejects(acquireFileLock(path, { waitMs: 150 }), /locked by pid \d+/);
  await held.release();
  // A pid that cannot exist on this host: its lock is stale.
  await writeFile(path, JSON.stringify({ pid: 2 ** 22 + 7, host: (await import('node:os')).hostname(), since: new Date().toISOString() }));
  const taken = await acquireFileLock(path, { waitMs: 150 });
  assert.match(await readFile(path, 'utf8'), new RegExp(`"pid":${process.pid}`));
  await taken.release();
});

test('update() asks the remote and fetches only when the branch or tag moved', async () => {
  const { repo, second } = await repoWithHistory();
  await git(repo.work, 'tag', '-a', '-m', 'annotated', 'v2', second);
  await git(repo.work, 'push', '--quiet', 'origin', 'v2');
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  assert.equal((await mirror.update({})).revision, `main@sha1:${second}`);
  assert.equal((await mirror.update({ ref: 'v2' })).sha, second, 'an annotated tag resolves to its commit');
  const third = await repo.commit({ 'deployment.yaml': 'image: v3\n' });
  assert.equal((await mirror.update({ branch: 'main' })).sha, third);
  assert.equal((await mirror.update({ branch: 'main' })).sha, third);
});

test('commitEdit writes the tree git itself would, keeps file modes, and moves the mirror to the pushed commit', async () => {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  // Names that sort differently as files and as directories ("a" < "a-b" < "a.yaml" < "a/" < "ab").
  await repo.commit({ 'a.yaml': 'x: 1\n', 'a/x.yaml': 'x: 2\n', 'a/deep/y.yml': 'y: 1\n', 'a-b/y.yaml': 'y: 2\n', ab: 'z\n', 'run.yaml': 'r: 1\n' }, 'first');
  await chmod(join(repo.work, 'run.yaml'), 0o755);
  const parent = await repo.commit({}, 'executable');
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  const seen: string[] = [];
  const made = await mirror.commitEdit('main', 'a', 'Edit a\nand its deep file\n\nBecause.', (files) => {
    seen.push(...files.keys());
    return new Map([['a/deep/y.yml', 'y: 10\n'], ['a/x.yaml', 'x: 20\n']]);
  });
  assert.deepEqual(seen.sort(), ['a/deep/y.yml', 'a/x.yaml'], 'the edit is handed the YAML files under the path');
  assert.equal(made.parent, parent);
  assert.deepEqual(made.files.sort(), ['a/deep/y.yml', 'a/x.yaml']);
  assert.equal(await repo.head(), made.sha, 'pushed');
  assert.deepEqual(await repo.parents(made.sha), [parent]);

  // The same change made by git in the working clone gives the same tree, id for id.
  await git(repo.work, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  await writeFile(join(repo.work, 'a', 'x.yaml'), 'x: 20\n');
  await writeFile(join(repo.work, 'a', 'deep', 'y.yml'), 'y: 10\n');
  await git(repo.work, 'add', '--all');
  assert.equal(await git(repo.work, 'write-tree'), await repo.tree(made.sha));
  assert.match(await git(repo.remote, 'ls-tree', made.sha, 'run.yaml'), /^100755 blob /, 'an executable file stays executable');
  assert.equal(await git(repo.remote, 'fsck', '--strict', '--no-dangling'), '');

  // git moved the remote-tracking branch at the push: the mirror resolves the new head without a fetch.
  assert.equal((await mirror.resolve({ branch: 'main' })).sha, made.sha);
  // What the mirror knows of its own commit is what git says of it.
  const fresh = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  await fresh.fetch();
  const [cached, asked] = [await mirror.commit(made.sha), await fresh.commit(made.sha)];
  assert.deepEqual({ ...cached, date: Date.parse(cached.date) }, { ...asked, date: Date.parse(asked.date) });
  assert.equal(cached.subject, 'Edit a and its deep file');
  const [known, read] = await Promise.all([mirror.checkout(made.sha, 'a'), fresh.checkout(made.sha, 'a')]);
  try {
    for (const file of ['x.yaml', 'deep/y.yml']) assert.equal(await readFile(join(known.root, file), 'utf8'), await readFile(join(read.root, file), 'utf8'));
    assert.equal(known.files, read.files);
  } finally {
    await known.dispose();
    await read.dispose();
  }
});

test('a push the remote refuses is reported in its own words, naming the branch', async () => {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  await repo.commit({ 'deployment.yaml': 'image: latest\n' }, 'first');
  const hook = join(repo.remote, 'hooks', 'pre-receive');
  await writeFile(hook, "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", { mode: 0o755 });
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  const err = await mirror.commitEdit('main', '.', 'edit', () => new Map([['deployment.yaml', 'image: v1\n']])).catch((e: unknown) => e);
  assert.ok(err instanceof GdeployError);
  assert.match(errorMessage(err), /^pushing to main of .* failed; nothing was changed in the cluster \(.*\): remote: main is protected$/);
});

test('commitEdit keeps names that are not UTF-8 byte for byte, and edits a --path that names one file', async () => {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  await repo.commit({ 'apps/web/deploy.yaml': 'image: latest\n', 'apps/web/keep.txt': 'k\n' }, 'first');
  // Two names that are the same text once decoded as UTF-8 (each byte is invalid alone).
  for (const byte of ['\xe9', '\xe8']) {
    await writeFile(Buffer.concat([Buffer.from(join(repo.work, 'apps', 'web', 'caf')), Buffer.from(`${byte}.txt`, 'latin1')]), byte);
  }
  const parent = await repo.commit({}, 'odd names');
  const before = await git(repo.remote, '-c', 'core.quotePath=true', 'ls-tree', '-r', '--name-only', parent);
  assert.match(before, /caf\\351\.txt/);
  const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
  const seen: string[] = [];
  const made = await mirror.commitEdit('main', 'apps/web/deploy.yaml', 'edit', (files) => {
    seen.push(...files.keys());
    return new Map([['apps/web/deploy.yaml', 'image: v1\n']]);
  });
  assert.deepEqual(seen, ['apps/web/deploy.yaml'], 'a path naming a file hands the edit that file');
  const after = await git(repo.remote, '-c', 'core.quotePath=true', 'ls-tree', '-r', '--name-only', made.sha);
  assert.deepEqual(after.split('\n'), before.split('\n'), 'every name as it was');
  assert.equal(await git(repo.remote, 'show', `${made.sha}:apps/web/deploy.yaml`), 'image: v1');
  assert.equal(await git(repo.remote, 'fsck', '--strict', '--no-dangling'), '');
});

test('a remote named gdeploy in the user\'s configuration does not send the push elsewhere', async () => {
  const repo = await makeRepo();
  cleanups.push(repo.cleanup);
  await repo.commit({ 'deployment.yaml': 'image: latest\n' }, 'first');
  const elsewhere = await makeRepo({ name: 'elsewhere' });
  cleanups.push(elsewhere.cleanup);
  const saved = { ...process.env };
  Object.assign(process.env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'remote.gdeploy.pushurl', GIT_CONFIG_VALUE_0: elsewhere.remote });
  try {
    const mirror = await GitMirror.open({ repo: parseRepoUrl(repo.remote), cacheDir: await cacheDir(), auth: {} });
    const made = await mirror.commitEdit('main', '.', 'edit', () => new Map([['deployment.yaml', 'image: v1\n']]));
    assert.equal(await repo.head(), made.sha);
    assert.equal(await git(elsewhere.remote, 'for-each-ref'), '', 'nothing pushed to the other repository');
    assert.equal((await mirror.resolve({ branch: 'main' })).sha, made.sha, 'the mirror follows the push');
  } finally {
    for (const k of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
