import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRepoUrl, repoName } from '../../src/git/url.js';
import { authFor, gitEnv, scrub } from '../../src/git/env.js';
import { normaliseRepoPath } from '../../src/git/tree.js';
import { checkRefName } from '../../src/git/mirror.js';
import { UsageError } from '../../src/engine/errors.js';

test('repository URLs of every supported form parse to a fetch URL, a safe display and a name', () => {
  const https = parseRepoUrl('https://alice:s3cret@github.com/acme/hello-world-flask.git');
  assert.equal(https.transport, 'https');
  assert.equal(https.fetchUrl, 'https://github.com/acme/hello-world-flask.git');
  assert.equal(https.display, 'https://github.com/acme/hello-world-flask.git');
  assert.equal(https.name, 'hello-world-flask');
  assert.equal(https.username, 'alice');
  assert.equal(https.password, 's3cret');

  assert.deepEqual(
    { t: parseRepoUrl('git@github.com:acme/App_Repo.git').transport, n: parseRepoUrl('git@github.com:acme/App_Repo.git').name },
    { t: 'ssh', n: 'app-repo' },
  );
  assert.equal(parseRepoUrl('ssh://git@host:2222/srv/repo.git').transport, 'ssh');
  assert.equal(parseRepoUrl('git://127.0.0.1:9418/r.git').transport, 'git');
  const file = parseRepoUrl('file:///srv/git/manifests.git');
  assert.deepEqual([file.transport, file.fetchUrl, file.name], ['file', '/srv/git/manifests.git', 'manifests']);
  const local = parseRepoUrl('./repos/demo', '/home/u');
  assert.deepEqual([local.transport, local.fetchUrl, local.name], ['local', '/home/u/repos/demo', 'demo']);
});

test('input git could take as an option or a command is refused', () => {
  for (const bad of ['--upload-pack=touch /tmp/x', '-oProxyCommand=x', 'ext::sh -c touch% /tmp/pwned', 'fd::3', 'ftp://host/r.git', 'https://h/r\nx']) {
    assert.throws(() => parseRepoUrl(bad), UsageError, bad);
  }
  for (const bad of ['-b', '--orphan', 'a..b', 'HEAD~1', 'x:y', 'a b', '']) {
    assert.throws(() => checkRefName(bad, '--ref'), UsageError, bad);
  }
  checkRefName('release/v1.2', '--branch');
});

test('--path stays inside the repository', () => {
  assert.equal(normaliseRepoPath('./'), '');
  assert.equal(normaliseRepoPath('.'), '');
  assert.equal(normaliseRepoPath('deploy/prod/'), 'deploy/prod');
  assert.equal(normaliseRepoPath('deploy/../base'), 'base');
  for (const bad of ['../..', '..', 'a/../../b', '/etc']) assert.throws(() => normaliseRepoPath(bad), UsageError, bad);
});

test('a token travels in a scoped http header, never in the URL or argv', () => {
  const repo = parseRepoUrl('https://git.example.com/team/app.git');
  const auth = authFor(repo, { GDEPLOY_GIT_TOKEN: 'tok-123' });
  const env = gitEnv(repo, auth, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.x', GIT_CONFIG_VALUE_0: 'y', GDEPLOY_GIT_TOKEN: 'tok-123' });
  assert.equal(env.GIT_CONFIG_COUNT, '2');
  assert.equal(env.GIT_CONFIG_KEY_0, 'core.x');
  assert.equal(env.GIT_CONFIG_KEY_1, 'http.https://git.example.com/team/app.git.extraHeader');
  assert.equal(env.GIT_CONFIG_VALUE_1, `Authorization: Basic ${Buffer.from('x-access-token:tok-123').toString('base64')}`);
  assert.equal(env.GDEPLOY_GIT_TOKEN, undefined);
  assert.equal(env.GIT_TERMINAL_PROMPT, '0');
  assert.ok(!repo.fetchUrl.includes('tok-123'));
  assert.equal(scrub(`fatal: header ${env.GIT_CONFIG_VALUE_1} tok-123`, auth).includes('tok-123'), false);
  // ssh has no use for a token; plain http to a remote host would leak it.
  assert.deepEqual(authFor(parseRepoUrl('git@h:r.git'), { GDEPLOY_GIT_TOKEN: 't' }), {});
  assert.throws(() => authFor(parseRepoUrl('http://example.com/r.git'), { GDEPLOY_GIT_TOKEN: 't' }), UsageError);
  assert.equal(authFor(parseRepoUrl('http://127.0.0.1:8080/r.git'), { GDEPLOY_GIT_TOKEN: 't' }).token, 't');
});

test('repository names become valid Kubernetes names', () => {
  assert.equal(repoName('/srv/My.Repo.git/'), 'my-repo');
  assert.equal(repoName('/'), 'app');
});

test('git runs without the editor, pager or external diff of a person at a terminal, and never prompts', () => {
  const repo = parseRepoUrl('/srv/git/app.git');
  const env = gitEnv(repo, {}, {
    PATH: '/usr/bin', EDITOR: 'vi', VISUAL: 'vi', GIT_EDITOR: 'vi', GIT_SEQUENCE_EDITOR: 'vi',
    PAGER: 'less', GIT_PAGER: 'less', GIT_EXTERNAL_DIFF: 'difftool', Editor: 'notepad', GIT_TERMINAL_PROMPT: '1',
  });
  for (const name of ['EDITOR', 'VISUAL', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER', 'GIT_EXTERNAL_DIFF', 'Editor']) {
    assert.equal(env[name], undefined, name);
  }
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.GIT_TERMINAL_PROMPT, '0');
});
