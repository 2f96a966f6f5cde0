import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change } from '../../src/engine/changeset.js';
import { hasChanges, kubectlName, summarize, toJSON } from '../../src/engine/changeset.js';
import { changeLine, renderSummary } from '../../src/ui/changeset.js';

const change = (kind: string, apiVersion: string, name: string, action: Change['action'], extra: Partial<Change> = {}): Change => ({
  ref: { apiVersion, kind, namespace: kind === 'Namespace' ? undefined : 'default', name },
  subject: kind === 'Namespace' ? `${kind}/${name}` : `${kind}/default/${name}`,
  action,
  ...extra,
});

const cs = {
  changes: [
    change('Deployment', 'apps/v1', 'hello-world-flask', 'configured', { after: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello-world-flask', generation: 2 } } }),
    change('ConfigMap', 'v1', 'settings', 'unchanged'),
    change('Namespace', 'v1', 'team', 'created'),
    change('ConfigMap', 'v1', 'old', 'pruned'),
    change('Secret', 'v1', 'creds', 'failed', { error: 'conflict with "other"' }),
  ],
};

test("kubectl's names and voice", () => {
  assert.equal(kubectlName(cs.changes[0]!.ref), 'deployment.apps/hello-world-flask');
  assert.equal(kubectlName({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'w.example.com' }), 'customresourcedefinition.apiextensions.k8s.io/w.example.com');
  assert.deepEqual(
    cs.changes.map((c) => changeLine(c, false)),
    ['deployment.apps/hello-world-flask configured', 'configmap/settings unchanged', 'namespace/team created', 'configmap/old pruned', 'secret/creds failed: conflict with "other"'],
  );
  assert.equal(changeLine(cs.changes[2]!, true), 'namespace/team created (server dry run)');
});

test('summary counts every action; the table shows failures only when there are some', () => {
  assert.deepEqual(summarize(cs), { created: 1, configured: 1, unchanged: 1, pruned: 1, skipped: 0, failed: 1 });
  assert.equal(renderSummary(cs), 'CREATED   CONFIGURED   UNCHANGED   PRUNED   FAILED\n1         1            1           1        1');
  assert.equal(hasChanges(cs), true);
  assert.equal(hasChanges({ changes: [cs.changes[1]!] }), false);
});

test('the JSON change set', () => {
  const doc = toJSON(cs, { app: 'web', namespace: 'default', dryRun: false, errors: ['x'] });
  assert.equal(doc.kind, 'ChangeSet');
  assert.deepEqual(doc.changes[0], {
    subject: 'Deployment/default/hello-world-flask',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'default',
    name: 'hello-world-flask',
    action: 'configured',
    generation: 2,
  });
  assert.deepEqual(doc.changes[2], { subject: 'Namespace/team', apiVersion: 'v1', kind: 'Namespace', name: 'team', action: 'created' });
  assert.equal(doc.changes[4]!.error, 'conflict with "other"');
});
