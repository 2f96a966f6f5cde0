// `gdeploy history`: what was deployed, by whom, from where, newest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitopsSuite } from '../helpers/gitrepo.js';

const suite = gitopsSuite();

const configMap = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;

test('history lists revisions newest first with who deployed them; -o yaml has the full records', async (t) => {
  const c = await suite.cluster(t);
  const r = await suite.repo('audited');
  const first = await r.commit({ 'cm.yaml': configMap('audited', '1') }, 'first config');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote], { env: { GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '1234' } })).code, 0);
  const second = await r.commit({ 'cm.yaml': configMap('audited', '2') }, 'second config');
  assert.equal((await c.gdeploy(['sync', '--repo', r.remote], { env: { USER: 'alice', GITHUB_ACTOR: '' } })).code, 0);

  const table = await c.gdeploy(['history', '--app', 'audited']);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trim().split('\n');
  assert.equal(rows.length, 3);
  assert.match(rows[1]!, new RegExp(`^2\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+succeeded\\s+sync\\s+main@sha1:${second.slice(0, 12)}\\s+alice@\\S+\\s+second config$`));
  assert.match(rows[2]!, new RegExp(`^1\\s.*succeeded\\s+sync\\s+main@sha1:${first.slice(0, 12)}\\s+octocat \\(github run 1234\\)\\s+first config$`));

  const yaml = await c.gdeploy(['history', '--app', 'audited', '-o', 'yaml', '--max', '1']);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /^kind: History$/m);
  assert.match(yaml.stdout, new RegExp(`sha: ${second}`));
  assert.match(yaml.stdout, new RegExp(`source: ${r.remote.replace(/[.]/g, '\\.')}`));
  assert.match(yaml.stdout, new RegExp(`inventory:\\n\\s+- ConfigMap/${c.ns}/audited`));
  assert.doesNotMatch(yaml.stdout, new RegExp(first), '--max 1 shows the newest only');

  // Two apps in the namespace: `history` needs to be told which.
  const other = await suite.repo('other-app');
  await other.commit({ 'cm.yaml': configMap('other-app', '1') });
  assert.equal((await c.gdeploy(['sync', '--repo', other.remote])).code, 0);
  const ambiguous = await c.gdeploy(['history']);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, new RegExp(`namespace ${c.ns} has several apps: audited, other-app`));

  // A name no app has (a typo) is an error, not an empty history.
  const none = await c.gdeploy(['history', '--app', 'never-deployed']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, new RegExp(`^error: app never-deployed not found in namespace ${c.ns}`, 'm'));
});
