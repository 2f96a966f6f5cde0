import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asDocumentText, findDocuments, replaceDocument } from '../../src/engine/manifest-documents.js';
import { splitDocuments } from '../../src/engine/manifests.js';

const deployment = (name: string, extra = '') => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${extra}spec:\n  replicas: 1 # one is enough\n`;
const FILE = `# the web tier\n---\n${deployment('web')}---\n# the worker\n${deployment('worker', '  namespace: jobs\n')}`;
const target = (name: string, namespace = 'default') => ({ kind: 'Deployment', name, namespace, defaultNamespace: 'default' });

test('the document defining an object is found by kind, name and namespace, as written, comments included', () => {
  const { found } = findDocuments(new Map([['deploy/app.yaml', FILE]]), target('worker', 'jobs'));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.text, `# the worker\n${deployment('worker', '  namespace: jobs\n')}`);
  assert.equal(found[0]!.line, 10);
  assert.equal(found[0]!.objects, 1);
  assert.equal(found[0]!.object.metadata.name, 'worker');
  // A document without a namespace is deployed to the app's: it is the object only there.
  assert.equal(findDocuments(new Map([['a.yaml', FILE]]), target('web')).found.length, 1);
  assert.equal(findDocuments(new Map([['a.yaml', FILE]]), target('web', 'other')).found.length, 0);
  assert.equal(findDocuments(new Map([['a.yaml', FILE]]), target('worker')).found.length, 0);
});

test('replacing a document leaves the other documents, the separators and the preamble byte for byte', () => {
  const [doc] = findDocuments(new Map([['a.yaml', FILE]]), target('web')).found;
  const edited = doc!.text.replace('replicas: 1', 'replicas: 3');
  assert.equal(replaceDocument(FILE, doc!, edited), FILE.replace('replicas: 1', 'replicas: 3'));
  // The documents of the result read as before, but for the edit.
  assert.deepEqual(
    splitDocuments(replaceDocument(FILE, doc!, edited)).map((d) => d.line),
    splitDocuments(FILE).map((d) => d.line),
  );
});

test('an edit keeps the line break a following --- needs, and adds none at the end of a file that had none', () => {
  assert.equal(asDocumentText('kind: A', 'kind: B\n'), 'kind: A\n');
  assert.equal(asDocumentText('kind: A', 'kind: B\r\n'), 'kind: A\r\n');
  assert.equal(asDocumentText('kind: A\n', 'kind: B'), 'kind: A');
  assert.equal(asDocumentText('kind: A\n\n', 'kind: B'), 'kind: A\n\n', 'a blank line the user added stays');
  assert.equal(asDocumentText('kind: A\n', 'kind: B\n'), 'kind: A\n');
});

test('a List document says how many objects it holds; a file no sync could read is named', () => {
  const list = `apiVersion: v1\nkind: List\nitems:\n- ${deployment('a').replaceAll('\n', '\n  ').trimEnd()}\n- ${deployment('b').replaceAll('\n', '\n  ').trimEnd()}\n`;
  const files = new Map([['list.yaml', list], ['broken.yaml', 'kind: [\n']]);
  const { found, unreadable } = findDocuments(files, target('b'));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.objects, 2);
  assert.deepEqual(unreadable.map((u) => u.file), ['broken.yaml']);
});
