// Editor and git misuse: a missing editor binary, an editor string with shell
// metacharacters (gdeploy never passes user strings through a shell), a repo
// URL or ref starting with '-' (never taken as a git option), a path outside
// the repo (--path ../..). Parsing of these values is also covered by
// test/git/url.test.ts and the fuzz in fuzz-argument-parsers.test.ts; here the
// built CLI is run as a user would, and a stand-in `git` on PATH proves that
// git is never started with them.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sharedCluster, type Cluster } from '../helpers/cluster.js';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
`;

describe('editor and git misuse', () => {
  // No controllers in the sandbox: whatever changes there, gdeploy wrote.
  const shared = sharedCluster({ sandbox: { workloads: false } });
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gdeploy-misuse-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The test's cluster with Deployment web. */
  async function withWeb(t: TestContext): Promise<Cluster> {
    const c = await shared.cluster(t);
    await c.create(WEB);
    return c;
  }

  /** What a write to Deployment web would change (its controller's status aside). */
  const web = async (c: Cluster) => {
    const { metadata, spec } = await c.must('deployment/web');
    return { generation: metadata.generation, labels: metadata.labels, annotations: metadata.annotations, spec };
  };

  /** A fresh, empty directory for the edit buffer: whatever gdeploy leaves in it, it left behind. */
  function privateTmp(name: string): string {
    const path = join(dir, name);
    mkdirSync(path);
    return path;
  }

  test('a missing editor binary: a clear error naming the editor, nothing changed, no temp file left behind', async (t) => {
    const c = await withWeb(t);
    const before = await web(c);
    const tmp = privateTmp('tmp-missing');
    const missing = join(dir, 'no-such-editor');
    const r = await c.gdeploy(['edit', 'deployment/web'], { env: { KUBE_EDITOR: `${missing} --wait`, TMPDIR: tmp } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: cannot start the editor "${missing}": .*ENOENT`, 'm'));
    assert.match(r.stderr, /^hint: set KUBE_EDITOR or EDITOR$/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    assert.deepEqual(await web(c), before);
    assert.deepEqual(readdirSync(tmp), [], 'the edit buffer was left behind');
  });

  test('an editor string with shell metacharacters: they reach the editor as words, no shell interprets them', async (t) => {
    const c = await withWeb(t);
    const marker = join(dir, 'pwned');
    const argsSeen = join(dir, 'editor-args.json');
    // An editor that records its arguments and changes nothing.
    const script = join(dir, 'recording editor.mjs');
    writeFileSync(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(argsSeen)}, JSON.stringify(process.argv.slice(2)));\n`);
    const hostile = `; touch ${marker} && touch ${marker} | touch ${marker} $(touch ${marker}) \`touch ${marker}\` > ${marker}`;
    const editor = `"${process.execPath}" "${script}" ${hostile}`;

    // What a shell would make of it: the marker appears. This is what must not happen.
    const shellDir = privateTmp('shell-control');
    execFileSync('sh', ['-c', `${editor.replaceAll(marker, join(shellDir, 'pwned'))} /dev/null`], { stdio: 'ignore' });
    assert.ok(existsSync(join(shellDir, 'pwned')), 'the control: a shell runs the commands in the string');

    const before = await web(c);
    const tmp = privateTmp('tmp-meta');
    const r = await c.gdeploy(['edit', 'deployment/web', '--no-wait'], { env: { KUBE_EDITOR: editor, TMPDIR: tmp } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Edit cancelled, no changes made\./);
    assert.equal(existsSync(marker), false, 'a shell interpreted the editor string');
    const seen = JSON.parse(readFileSync(argsSeen, 'utf8')) as string[];
    assert.deepEqual(seen.slice(0, -1), [';', 'touch', marker, '&&', 'touch', marker, '|', 'touch', marker, `$(touch`, `${marker})`, '`touch', `${marker}\``, '>', marker]);
    assert.match(seen.at(-1)!, /deployment-web\.yaml$/);
    assert.deepEqual(await web(c), before);
    assert.deepEqual(readdirSync(tmp), []);

    // Metacharacters in the program name itself: there is no such program, and still no shell.
    const glued = await c.gdeploy(['edit', 'deployment/web'], { env: { KUBE_EDITOR: `true;touch ${marker}`, TMPDIR: privateTmp('tmp-glued') } });
    assert.equal(glued.code, 2, glued.stderr);
    assert.match(glued.stderr, /^error: cannot start the editor "true;touch"/m);
    assert.equal(existsSync(marker), false);
  });

  describe('git is never given an option by way of --repo, --ref, --branch, a commit or --path', () => {
    let env: NodeJS.ProcessEnv;
    let gitRan: string;
    let repo: string;

    before(() => {
      // A git first on PATH that records each command line, then runs the real git.
      const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      gitRan = join(dir, 'git-ran');
      writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitRan}'\nexec '${realGit}' "$@"\n`);
      chmodSync(join(bin, 'git'), 0o755);
      repo = join(dir, 'repo');
      mkdirSync(repo);
      env = { PATH: `${bin}${delimiter}${process.env.PATH}`, XDG_CACHE_HOME: join(dir, 'cache') };
    });

    test('a repo URL or ref starting with "-", a commit starting with "-", a path outside the repo: refused naming the flag', async (t) => {
      const c = await shared.cluster(t);
      const gdeploy = (args: string[], more: NodeJS.ProcessEnv) => c.gdeploy(args, { env: more });
      const marker = join(dir, 'upload-pack-ran');
      const cases: [string[], RegExp][] = [
        [['sync', '--repo', '-uhack'], /^error: refusing repository "-uhack": it starts with "-" and would be read as a git option$/m],
        [['sync', `--repo=--upload-pack=touch ${marker}`], /^error: refusing repository "--upload-pack=touch .*": it starts with "-"/m],
        [['sync', '--repo', `ext::sh -c touch% ${marker}`], /^error: refusing repository "ext::sh .*": remote-helper transports/m],
        [['sync', '--repo', repo, '--ref', `--upload-pack=touch ${marker}`], /^error: refusing --ref "--upload-pack=touch .*": it starts with "-"/m],
        [['sync', '--repo', repo, '--branch=-x'], /^error: refusing --branch "-x": it starts with "-"/m],
        [['sync', '--repo', repo, '--ref', 'HEAD~1'], /^error: --ref "HEAD~1" is not a valid git reference name$/m],
        [['rollback', '--', '-x'], /^error: refusing "-x" as a commit: it starts with "-"$/m],
        [['rollback', '--repo', '-x', 'abc1234'], /^error: refusing repository "-x"/m],
        [['sync', '--repo', repo, '--path', '../..'], /^error: --path "\.\.\/\.\." leaves the repository$/m],
        [['sync', '--repo', repo, '--path', 'deploy/../../x'], /^error: --path "deploy\/\.\.\/\.\.\/x" leaves the repository$/m],
        [['sync', '--repo', repo, '--path', '/etc'], /^error: --path "\/etc" must be relative to the repository root$/m],
        [['sync', '--repo', repo, '--path', '\\etc'], /must be relative to the repository root$/m],
      ];
      const runs = await Promise.all(cases.map(([args]) => gdeploy(args, env)));
      runs.forEach((r, i) => {
        const where = `gdeploy ${cases[i]![0].join(' ')}\n${r.stderr}`;
        assert.equal(r.code, 2, where);
        assert.match(r.stderr, cases[i]![1], where);
        assert.doesNotMatch(r.stderr, /^\s+at /m, where);
      });
      assert.equal(existsSync(gitRan), false, `git was started: ${existsSync(gitRan) ? readFileSync(gitRan, 'utf8') : ''}`);
      assert.equal(existsSync(marker), false);

      // The control: a valid sync (of a directory that is no repository) does reach git, so its silence above means something.
      const ok = await gdeploy(['sync', '--repo', repo, '--app', 'misuse', '--no-wait'], env);
      assert.equal(ok.code, 1, ok.stderr);
      assert.ok(existsSync(gitRan), `the stand-in git was not used: ${ok.stderr}`);
      assert.match(readFileSync(gitRan, 'utf8'), /--end-of-options/, 'user-given values follow --end-of-options');
    });
  });
});
