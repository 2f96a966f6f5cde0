import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editorCommand, splitWords } from '../../src/ui/editor.js';
import { buffer, parseBody, sourceBody, sourceBuffer, stripHeader } from '../../src/ui/edit-buffer.js';

test('the editor command is split into words like a shell would, quotes and escapes included', () => {
  assert.deepEqual(splitWords('code --wait'), ['code', '--wait']);
  assert.deepEqual(splitWords(`"/opt/My Editor/bin/ed" -n 'a b' c\\ d ""`), ['/opt/My Editor/bin/ed', '-n', 'a b', 'c d', '']);
  assert.deepEqual(splitWords(`vim -c "set ft=yaml \\"x\\""`), ['vim', '-c', 'set ft=yaml "x"']);
  assert.deepEqual(splitWords('echo $HOME;rm'), ['echo', '$HOME;rm'], 'nothing is expanded or interpreted');
  assert.throws(() => splitWords(`vim 'oops`), /unterminated/);
});

test('KUBE_EDITOR wins over EDITOR, and vi is the fallback', () => {
  assert.deepEqual(editorCommand({ KUBE_EDITOR: 'nano -w', EDITOR: 'emacs' }), ['nano', '-w']);
  assert.deepEqual(editorCommand({ EDITOR: 'emacs' }), ['emacs']);
  assert.deepEqual(editorCommand({ KUBE_EDITOR: '  ' }), ['vi']);
});

test('only the leading comment block is stripped; # lines in the body stay', () => {
  const body = 'data:\n  script: |\n    # keep me\n    echo hi\n';
  const text = buffer(body, ['The edited file is not valid YAML:', 'bad indentation']);
  assert.match(text, /^# .*To cancel/);
  assert.match(text, /^# bad indentation$/m);
  assert.equal(stripHeader(text), body);
  assert.deepEqual(parseBody(stripHeader(text), 'yaml'), { data: { script: '# keep me\necho hi\n' } });
  assert.equal(parseBody('  \n', 'yaml'), undefined);
  assert.throws(() => parseBody('- a\n', 'yaml'), /one object/);
});

test("a manifest's source text keeps its own leading comments: only what is above the mark is dropped, or our header when the mark is gone", () => {
  const text = '# the web tier\nkind: Deployment\n';
  const presented = sourceBuffer(text, ['spec.replicas: Invalid value']);
  assert.equal(sourceBody(presented, presented), text);
  assert.equal(sourceBody(presented.replace(text, '# the web tier\nkind: Deployment # edited\n'), presented), '# the web tier\nkind: Deployment # edited\n');
  const withoutMark = presented.split('\n').filter((l) => !l.includes('the manifest starts below')).join('\n');
  assert.equal(sourceBody(withoutMark, presented), text);
  assert.equal(sourceBody('', presented), '');
});
