import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldErrors } from '../../src/ui/changeset.js';
import type { ChangeSet } from '../../src/engine/changeset.js';

const failedSet = (subjects: string[]): ChangeSet => ({
  changes: subjects.map((subject) => {
    const [kind, namespace, name] = subject.split('/');
    return { ref: { apiVersion: 'v1', kind: kind!, namespace, name: name! }, subject, action: 'failed' as const };
  }),
});

test('hundreds of object errors are folded after ten, whichever way the line names its object; other errors always show', () => {
  const subjects = Array.from({ length: 15 }, (_, i) => `ConfigMap/team-b/c${i}`);
  for (const line of [(s: string) => `${s} apply failed: the server is unreachable`, (s: string) => `${s}: forbidden: cannot patch configmaps in namespace "team-b"`]) {
    const errors = [...subjects.map(line), 'cannot record the inventory: timeout'];
    const out = foldErrors(failedSet(subjects), errors);
    assert.equal(out.length, 12, out.join('\n'));
    assert.ok(out.includes('cannot record the inventory: timeout'));
    assert.equal(out.at(-1), '... and 5 more objects failed; the change set says why for each');
  }
});
