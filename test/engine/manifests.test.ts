import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError, loadManifests, parseManifests, splitDocuments, sourceOf } from '../../src/engine/manifests.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-manifests-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`;

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ManifestError, `expected ManifestError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a multi-document stream yields every object, skipping empty documents', () => {
  const objs = parseManifests(`---\n${cm('a')}---\n# only a comment\n---\n${cm('b')}`, 'app.yaml');
  assert.deepEqual(objs.map((o) => o.metadata.name), ['a', 'b']);
  assert.deepEqual(sourceOf(objs[1]!), { file: 'app.yaml', document: 3, line: 11 });
});

test('document numbering ignores a leading separator', () => {
  assert.deepEqual(splitDocuments('---\na: 1\n---\nb: 2').map((d) => d.line), [2, 4]);
  assert.deepEqual(splitDocuments('a: 1\n---\nb: 2').map((d) => d.line), [1, 3]);
});

test('List kinds are unpacked', () => {
  const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'y' } }] };
  const objs = parseManifests(JSON.stringify(list), 'list.json');
  assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`), ['ConfigMap/x', 'Secret/y']);
});

test('timestamps and yes/no stay what Kubernetes reads', () => {
  const [o] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  when: 2024-01-01\n', 'f.yaml');
  assert.equal((o!.data as Record<string, unknown>).when, '2024-01-01');
});

test('bad YAML names the file, the document and the line', () => {
  const text = `${cm('a')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n   bad: indent\n`;
  assert.throws(() => parseManifests(text, 'dir/bad.yaml'), (err: unknown) => {
    assert.ok(err instanceof ManifestError);
    assert.match(err.message, /dir\/bad\.yaml: document 2, line 12/);
    return true;
  });
});

test('bad JSON names the file and the line', () => {
  assert.throws(() => parseManifests('{\n  "apiVersion": "v1",\n  "kind": \n}', 'x.json'), /x\.json: document 1, line \d+/);
});

test('a document that is not a mapping is refused', () => {
  assert.throws(() => parseManifests('- a\n- b\n', 'seq.yaml'), /seq\.yaml: document 1 \(line 1\): expected a Kubernetes object \(a mapping\), got a sequence/);
  assert.throws(() => parseManifests('just text\n', 's.yaml'), /got the string "just text"/);
});

test('missing apiVersion, kind or name are all reported at once', () => {
  assert.throws(() => parseManifests('metadata: {}\n', 'm.yaml'), /'apiVersion' is missing; 'kind' is missing; 'metadata.name' is missing/);
  assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n', 'g.yaml'), /generateName' cannot be applied/);
  assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: 3\n', 'n.yaml'), /namespace' must be a string/);
});

test('a bad item of a List names its position', () => {
  assert.throws(() => parseManifests('apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n', 'l.yaml'), /l\.yaml: document 1 \(line 1\), item 1: 'apiVersion' is missing/);
});

test('directories: only manifest extensions, lexical order, subdirectories only with -R', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'b.yaml'), cm('b'));
  writeFileSync(join(dir, 'a.yml'), cm('a'));
  writeFileSync(join(dir, 'README.md'), '# not a manifest');
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'd.yaml'), cm('d'));
  assert.deepEqual((await loadManifests([dir])).map((o) => o.metadata.name), ['a', 'b', 'c']);
  assert.deepEqual((await loadManifests([dir], { recursive: true })).map((o) => o.metadata.name), ['a', 'b', 'c', 'd']);
});

test('a directory with only subdirectories asks for -R', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'd.yaml'), cm('d'));
  await rejects(loadManifests([dir]), /no manifests in directory/);
});

test('a missing path is named', async () => {
  await rejects(loadManifests(['/nonexistent/gdeploy/x.yaml']), /the path "\/nonexistent\/gdeploy\/x\.yaml" does not exist/);
});

test('stdin is read for -', async () => {
  const objs = await loadManifests(['-'], { readStdin: async () => cm('from-stdin') });
  assert.equal(objs[0]!.metadata.name, 'from-stdin');
  assert.equal(sourceOf(objs[0]!)!.file, '<stdin>');
});

test('the same object twice is refused, naming both places', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'one.yaml'), cm('dup'));
  writeFileSync(join(dir, 'two.yaml'), `${cm('other')}---\n${cm('dup')}`);
  await rejects(loadManifests([dir]), /ConfigMap\/dup is defined twice: .*one\.yaml: document 1 \(line 1\) and .*two\.yaml: document 2 \(line 8\)/);
});

test('a kustomization directory is rendered with kubectl kustomize', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n- cm.yaml\nnamePrefix: p-\n');
  writeFileSync(join(dir, 'cm.yaml'), cm('k'));
  const missing = loadManifests([dir], { kubectl: join(dir, 'no-kubectl') });
  await rejects(missing, /is a kustomization, and rendering it needs kubectl, which is not on PATH/);
  if (!(await import('node:fs')).existsSync('/usr/bin/kubectl')) return t.skip('kubectl not installed: /usr/bin/kubectl missing');
  const objs = await loadManifests([dir], { kubectl: '/usr/bin/kubectl' });
  assert.deepEqual(objs.map((o) => o.metadata.name), ['p-k']);
});
