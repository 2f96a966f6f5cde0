// `edit --commit`: the object's document as written in git (comments
// included) opens in the editor; the edit goes back in its place (nothing else
// in the file changes), is committed, pushed without force, and deployed by
// sync. Editor scripts stand in for a person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { helloWorld } from './apply-harness.js';
import { LATEST, assertRevertedInGit, assertSyncedCommit, editor, savedPath, syncedApp } from './set-image-harness.js';
import { SKIP_WITHOUT_KUBECTL, cluster } from '../helpers/cluster.js';
import { git } from '../helpers/gitrepo.js';

/** The lines a commit adds and removes. */
async function changedLines(remote: string, from: string, to: string): Promise<string[]> {
  return (await git(remote, 'diff', '--unified=0', from, to)).split('\n').filter((l) => /^[-+][^-+]/.test(l));
}

const REPLICAS_2 = `return text.replace(/^  replicas: 1$/m, '  replicas: 2');`;

/** An editor step that first pushes a change to deploy/app.yaml from the test's clone, as someone else would meanwhile. */
function someoneElsePushes(work: string, from: string, to: string): string {
  const git = (args: string[]) => `execFileSync('git', ${JSON.stringify(args)}, { cwd: ${JSON.stringify(work)} });`;
  const file = JSON.stringify(join(work, 'deploy', 'app.yaml'));
  return [
    git(['pull', '--quiet', '--rebase', 'origin', 'main']),
    `writeFileSync(${file}, readFileSync(${file}, 'utf8').replace(${JSON.stringify(from)}, ${JSON.stringify(to)}));`,
    git(['-c', 'user.name=Someone', '-c', 'user.email=someone@example.com', 'commit', '--quiet', '-am', 'someone else']),
    git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']),
  ].join('\n');
}

test('edit --commit changes exactly the edited line in git, keeps comments and the other documents, deploys that commit; a second sync changes nothing', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r, file, sync } = await syncedApp(c, t, 'edit');
  await c.rolledOut(`deployment/${app}`);
  const before = await r.head();

  const e = editor(t, [REPLICAS_2]);
  const edit = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '--timeout', '2m'], { env: e.env });
  assert.equal(edit.code, 0, edit.stderr);
  // The editor showed the Deployment's document as written: its comments, not the Service.
  const shown = e.seen(0);
  assert.match(shown, /^# .*as it is written in git/m);
  assert.match(shown, new RegExp(`^# ${app}: the web tier$`, 'm'));
  assert.match(shown, /# bumped by CI$/m);
  assert.doesNotMatch(shown, /kind: Service/);

  const after = await r.head();
  assert.deepEqual(await r.parents(after), [before], 'on top of the head, no force-push');
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', after), `Edit deployment/${app}`);
  assert.match(await git(r.remote, 'log', '-1', '--format=%b', after), /^spec\.replicas: 1 -> 2$/m);
  assert.deepEqual(await changedLines(r.remote, before, after), ['-  replicas: 1', '+  replicas: 2']);
  assert.equal(await git(r.remote, 'show', `${after}:deploy/app.yaml`), file.replace('replicas: 1', 'replicas: 2').trimEnd(), 'everything else byte for byte');
  assert.match(edit.stderr, new RegExp(`^committed ${after.slice(0, 12)} to main of `, 'm'));

  await c.rolledOut(`deployment/${app}`);
  assert.equal((await c.get(`deployment/${app}`))?.spec.replicas, 2, 'the cluster runs the commit');
  await assertSyncedCommit(c, app, after, `Edit deployment/${app}`, sync);
});

test('saving it unchanged or deleting everything commits nothing; flags that need --commit, or one object, say so', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'cancel');
  const before = await r.head();
  for (const step of ['return text;', "return '';"]) {
    const e = editor(t, [step]);
    const edit = await c.gdeploy(['edit', `deployment/${app}`, '--commit'], { env: e.env });
    assert.equal(edit.code, 0, edit.stderr);
    assert.match(edit.stderr, /^Edit cancelled, no changes made\.$/m);
    assert.equal(e.runs(), 1);
    assert.equal(await r.head(), before, 'nothing committed');
  }

  const noCommit = await c.gdeploy(['edit', `deployment/${app}`, '--repo', r.remote, '--no-sync']);
  assert.equal(noCommit.code, 2);
  assert.match(noCommit.stderr, /--repo is only for --commit/);
  assert.match(noCommit.stderr, /--no-sync is only for --commit/);
  const json = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '-o', 'json']);
  assert.equal(json.code, 2);
  assert.match(json.stderr, /-o json cannot be combined with --commit/);
  const two = await c.gdeploy(['edit', `deployment/${app}`, `service/${app}`, '--commit']);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /edit --commit edits one object at a time/);

  // An object of no app that follows git: the repository must be named.
  await c.create(helloWorld(LATEST, 1).replaceAll('hello-world-flask', 'stray').replace('lyzhang1999/stray', 'lyzhang1999/hello-world-flask'));
  const stray = await c.gdeploy(['edit', 'deployment/stray', '--commit']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /edit --commit needs to know which repository holds the manifests/);
  assert.equal(await r.head(), before);
});

test('invalid YAML and an object the server refuses reopen the editor with the reason on top; the fixed edit is committed', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r, file } = await syncedApp(c, t, 'invalid');
  const before = await r.head();
  const e = editor(t, [
    `return text.replace(/^  replicas: 1$/m, '  replicas: [1');`,
    // The notes on top may quote the bad line too: change the manifest's line only.
    `return text.replace(/^  replicas: \\[1$/m, '  replicas: "abc"');`,
    `return text.replace(/^  replicas: "abc"$/m, '  replicas: 3');`,
  ]);
  const edit = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '--no-wait'], { env: e.env });
  assert.equal(edit.code, 0, edit.stderr);
  assert.equal(e.runs(), 3);
  assert.match(e.seen(1), /^# The edited manifest is not valid:$/m);
  assert.match(e.seen(1), /^  replicas: \[1$/m, "the user's text is kept");
  const badLine = e.seen(1).split('\n').indexOf('  replicas: [1') + 1;
  // The parser stops at the bad line or the one after it: numbered as the file in the editor.
  const reported = Number(/^# .*, line (\d+): /m.exec(e.seen(1))?.[1]);
  assert.ok(reported === badLine || reported === badLine + 1, `line ${reported} reported; the bad line is ${badLine}`);
  assert.match(e.seen(2), new RegExp(`^# Deployment/${c.ns}/${app} is invalid:$`, 'm'));
  assert.match(e.seen(2), /^# .*replicas/m);
  assert.match(e.seen(2), new RegExp(`^# ${app}: the web tier$`, 'm'), "the manifest's own comments are still there");

  const after = await r.head();
  assert.deepEqual(await r.parents(after), [before]);
  assert.deepEqual(await changedLines(r.remote, before, after), ['-  replicas: 1', '+  replicas: 3']);
  assert.equal(await git(r.remote, 'show', `${after}:deploy/app.yaml`), file.replace('replicas: 1', 'replicas: 3').trimEnd());
  assert.equal((await c.get(`deployment/${app}`))?.spec.replicas, 3);
});

test('--no-sync pushes the commit and leaves the cluster to a reconciler', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'nosync');
  const before = await r.head();
  const e = editor(t, [REPLICAS_2]);
  const edit = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '--no-sync'], { env: e.env });
  assert.equal(edit.code, 0, edit.stderr);
  const after = await r.head();
  assert.deepEqual(await r.parents(after), [before]);
  assert.deepEqual(await changedLines(r.remote, before, after), ['-  replicas: 1', '+  replicas: 2']);
  assert.equal((await c.get(`deployment/${app}`))?.spec.replicas, 1, 'the cluster is not changed');
});

test('a push made meanwhile to another document is kept and the edit goes on top; a change to the same document is not overwritten', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r, file } = await syncedApp(c, t, 'meanwhile');
  const first = await r.head();
  const other = editor(t, [`${someoneElsePushes(r.work, 'port: 80', 'port: 8080')}\n${REPLICAS_2}`]);
  const onTop = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '--no-sync'], { env: other.env });
  assert.equal(onTop.code, 0, onTop.stderr);
  const head = await r.head();
  const [theirs] = await r.parents(head);
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', theirs!), 'someone else');
  assert.deepEqual(await r.parents(theirs!), [first]);
  assert.equal(await git(r.remote, 'show', `${head}:deploy/app.yaml`), file.replace('port: 80', 'port: 8080').replace('replicas: 1', 'replicas: 2').trimEnd());

  const same = editor(t, [`${someoneElsePushes(r.work, '# bumped by CI', '# bumped by hand')}\nreturn text.replace(/^  replicas: 2$/m, '  replicas: 4');`]);
  const refused = await c.gdeploy(['edit', `deployment/${app}`, '--commit'], { env: same.env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`deployment/${app} was changed in git while you edited it .*nothing was committed`));
  const saved = savedPath(refused.stderr);
  t.after(() => rmSync(dirname(saved), { recursive: true, force: true }));
  assert.match(readFileSync(saved, 'utf8'), /^  replicas: 4$/m);
  const now = await r.head();
  assert.equal(await git(r.remote, 'log', '-1', '--format=%s', now), 'someone else', 'their commit is the head');
  assert.match(await git(r.remote, 'show', `${now}:deploy/app.yaml`), /^  replicas: 2$/m);
  assert.equal((await c.get(`deployment/${app}`))?.spec.replicas, 1, 'the cluster is not changed');
});

test('--rollback-on-failure: a failed rollout of the edit puts the previous revision back live and a revert commit on the branch', { skip: SKIP_WITHOUT_KUBECTL }, async (t) => {
  const c = await cluster(t);
  const { app, r } = await syncedApp(c, t, 'editrevert');
  const before = await r.head();
  const e = editor(t, [`return text.replace('image: ${LATEST}', 'image: registry.invalid/hello-world-flask:v2');`]);
  const edit = await c.gdeploy(['edit', `deployment/${app}`, '--commit', '--rollback-on-failure', '--timeout', '2m'], { env: e.env });
  await assertRevertedInGit(c, r, app, before, `Edit deployment/${app}`, edit);
});
