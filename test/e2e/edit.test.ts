// gdeploy edit against a cluster, with editor scripts standing in for a
// person: each invocation of the "editor" runs the next step on the file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { KUBECTL } from '../helpers/cluster.js';
import { LATEST, SKIP, V1, editor, helloWorld, savedPath, testCluster, type TestCluster, written } from './set-image-harness.js';

async function seeded(t: Parameters<typeof testCluster>[0]): Promise<TestCluster> {
  const c = await testCluster(t);
  await c.create(helloWorld(LATEST));
  await c.rolledOut('deployment/hello-world-flask');
  return c;
}

// Each test has its own namespace (and sandbox); they run side by side.
describe('gdeploy edit', { concurrency: true }, () => {
  test('a real change is applied as an update and its rollout is waited for', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = editor(t, [`return text.replace('image: ${LATEST}', 'image: ${V1}');`]);
    const r = await c.gdeploy(['edit', 'deployment', 'hello-world-flask', '--timeout', '2m'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/hello-world-flask edited\n');
    assert.match(r.stderr, /deployment\/hello-world-flask rolled out in/);
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.spec.template.spec.containers[0].image, V1);
    assert.equal(d.status.updatedReplicas, 2);
    assert.ok(d.metadata.managedFields.some((m: any) => m.manager === 'gdeploy-edit' && m.operation === 'Update'));
    // The user saw a header saying how to cancel, then the object without managedFields.
    const shown = e.seen(0);
    assert.match(shown, /^# .*To cancel, save it unchanged or delete everything/);
    assert.doesNotMatch(shown, /managedFields/);
  });

  test('--rollback-on-failure puts the object back as it was when the edit does not roll out', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = editor(t, [`return text.replace('image: ${LATEST}', 'image: registry.invalid/hello:nope');`]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask', '--rollback-on-failure', '--failure-grace', '1s', '--timeout', '10m'], { env: e.env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rollout failed: .*(ImagePullBackOff|ErrImagePull)/);
    assert.match(r.stderr, /rolled back: the previous state is back and rolled out/);
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.spec.template.spec.containers[0].image, LATEST);
    assert.equal(d.status.availableReplicas, 2);
  });

  test('saving it unchanged cancels: nothing is written', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const before = await c.must('deployment/hello-world-flask');
    const e = editor(t, ['return text;']);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Edit cancelled, no changes made\.$/m);
    assert.deepEqual(written(await c.must('deployment/hello-world-flask')), written(before));
  });

  test('invalid YAML reopens with the error on top and the text kept; the fix is applied', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = editor(t, [
      `return text.replace('replicas: 2', 'replicas: [2');`,
      // The error notes on top quote the bad line too: change the object's line only.
      `return text.replace(/^(\\s+)replicas: \\[2$/m, '$1replicas: 3');`,
    ]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask', '--no-wait'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(e.runs(), 2);
    const reopened = e.seen(1);
    assert.match(reopened, /^# The edited file is not valid YAML:$/m);
    assert.match(reopened, /replicas: \[2/, "the user's text is kept");
    assert.equal((await c.must('deployment/hello-world-flask')).spec.replicas, 3);
  });

  test('a 422 from the server reopens the file with the reason', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = editor(t, [`return text.replace('replicas: 2', 'replicas: -1');`, `return text.replace(/^(\\s+)replicas: -1$/m, '$1replicas: 1');`]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask', '--no-wait'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(e.seen(1), new RegExp(`^# Deployment/${c.ns}/hello-world-flask is invalid:$`, 'm'));
    assert.match(e.seen(1), /^# .*spec\.replicas/m);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.replicas, 1);
  });

  test('quitting without fixing keeps the text in a private file whose path is printed', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const before = await c.must('deployment/hello-world-flask');
    const e = editor(t, [`return text.replace('name: hello-world-flask', 'name: renamed');`, 'return text;']);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask'], { env: e.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(e.seen(1), /^# name identify the object and cannot be changed by editing it\.$/m);
    assert.match(r.stderr, /Edit cancelled, no valid changes were saved\./);
    const saved = savedPath(r.stderr);
    t.after(() => rmSync(dirname(saved), { recursive: true, force: true }));
    assert.match(readFileSync(saved, 'utf8'), /name: renamed/);
    assert.equal(statSync(saved).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(saved)).mode & 0o777, 0o700);
    assert.deepEqual(written(await c.must('deployment/hello-world-flask')), written(before));
  });

  test('a change made by someone else meanwhile is not overwritten (409): the edit is kept in a file', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const kubectl = JSON.stringify([KUBECTL, ...c.kubectlArgs(), 'label', 'deployment/hello-world-flask', 'touched=meanwhile']);
    const e = editor(t, [
      `const [cmd, ...args] = ${kubectl}; execFileSync(cmd, args); return text.replace('image: ${LATEST}', 'image: ${V1}');`,
    ]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask'], { env: e.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Deployment/${c.ns}/hello-world-flask was changed by someone else while you edited it; nothing was overwritten\\.`));
    const saved = savedPath(r.stderr);
    t.after(() => rmSync(dirname(saved), { recursive: true, force: true }));
    assert.match(readFileSync(saved, 'utf8'), new RegExp(V1));
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.metadata.labels.touched, 'meanwhile');
    assert.equal(d.spec.template.spec.containers[0].image, LATEST);
  });

  test('an editor that exits non-zero cancels the edit', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const before = await c.must('deployment/hello-world-flask');
    const e = editor(t, [`writeFileSync(file, text.replace('replicas: 2', 'replicas: 5')); process.exit(3);`]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask'], { env: e.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`the editor exited with code 3; Deployment/${c.ns}/hello-world-flask was not changed`));
    assert.deepEqual(written(await c.must('deployment/hello-world-flask')), written(before));
  });

  test("a '#' line inside a YAML block string is the user's and stays; -o json edits JSON", { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = editor(t, [
      `const notes = '    notes: |\\n      # not a comment\\n      second line\\n';
      return text.includes('\\n  annotations:\\n')
        ? text.replace('\\n  annotations:\\n', '\\n  annotations:\\n' + notes)
        : text.replace('\\nmetadata:\\n', '\\nmetadata:\\n  annotations:\\n' + notes);`,
    ]);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask', '--no-wait'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    const d = await c.must('deployment/hello-world-flask');
    assert.equal(d.metadata.annotations.notes, '# not a comment\nsecond line\n');

    const j = editor(t, [`const o = JSON.parse(text.replace(/^#.*\\n/gm, '')); o.spec.replicas = 4; return '# my own note\\n' + JSON.stringify(o);`]);
    const rj = await c.gdeploy(['edit', 'deployment/hello-world-flask', '-o', 'json', '--no-wait'], { env: j.env });
    assert.equal(rj.code, 0, rj.stderr);
    assert.match(j.seen(0), /^\{$/m);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.replicas, 4);
  });
});
