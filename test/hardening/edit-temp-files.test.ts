// Temp files that can hold object contents (edit) are created 0600 in a
// private directory and removed unless kept on purpose for the user. The
// "editor" here is a script that records what it was handed: the file's path,
// its mode and its directory's mode, while gdeploy waits for it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LATEST, SKIP, helloWorld, testCluster, type TestCluster } from '../e2e/set-image-harness.js';

interface Seen {
  file: string;
  fileMode: number;
  dirMode: number;
  text: string;
}

/** An editor that applies `change` to the text and records what it saw; TMPDIR is a fresh directory. */
function recordingEditor(t: { after: (fn: () => void) => void }, change: string): { env: NodeJS.ProcessEnv; tmp: string; seen(): Seen } {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-edit-tmp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tmp = join(dir, 'tmp');
  const record = join(dir, 'seen.json');
  const script = join(dir, 'editor.mjs');
  mkdirSync(tmp);
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
const file = process.argv.at(-1);
const text = readFileSync(file, 'utf8');
writeFileSync(${JSON.stringify(record)}, JSON.stringify({ file, text, fileMode: statSync(file).mode & 0o777, dirMode: statSync(dirname(file)).mode & 0o777 }));
const change = (text) => { ${change} };
const out = change(text);
if (typeof out === 'string') writeFileSync(file, out);
`,
  );
  return {
    env: { KUBE_EDITOR: `"${process.execPath}" "${script}"`, TMPDIR: tmp },
    tmp,
    seen: () => JSON.parse(readFileSync(record, 'utf8')) as Seen,
  };
}

async function seeded(t: Parameters<typeof testCluster>[0]): Promise<TestCluster> {
  const c = await testCluster(t);
  await c.create(helloWorld(LATEST));
  await c.rolledOut('deployment/hello-world-flask');
  return c;
}

describe('edit temp files', { concurrency: true }, () => {
  test('temp files that can hold object contents (edit) are created 0600 in a private directory and removed after a successful edit', { skip: SKIP }, async (t) => {
    const c = await seeded(t);
    const e = recordingEditor(t, `return text.replace('replicas: 2', 'replicas: 3');`);
    const r = await c.gdeploy(['edit', 'deployment/hello-world-flask', '--no-wait'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    const seen = e.seen();
    assert.equal(seen.fileMode, 0o600, 'the file is readable by its owner only');
    assert.equal(seen.dirMode, 0o700, 'in a directory of its own');
    assert.ok(seen.file.startsWith(e.tmp), `created under TMPDIR: ${seen.file}`);
    assert.match(seen.text, /name: hello-world-flask/);
    assert.equal(existsSync(seen.file), false, 'the file is removed');
    assert.equal(existsSync(dirname(seen.file)), false, 'its directory is removed');
    assert.deepEqual(readdirSync(e.tmp), []);
    assert.equal((await c.must('deployment/hello-world-flask')).spec.replicas, 3);
  });

  test('temp files of a Secret edit are 0600 and removed when the edit is cancelled', { skip: SKIP }, async (t) => {
    const c = await testCluster(t);
    await c.create('apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMi10ZW1wLWZpbGU=\n');
    const e = recordingEditor(t, 'return text;');
    const r = await c.gdeploy(['edit', 'secret/db'], { env: e.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Edit cancelled, no changes made/);
    const seen = e.seen();
    assert.equal(seen.fileMode, 0o600);
    assert.equal(seen.dirMode, 0o700);
    assert.equal(existsSync(dirname(seen.file)), false, 'nothing of the Secret is left on disk');
    assert.deepEqual(readdirSync(e.tmp), []);
  });
});
