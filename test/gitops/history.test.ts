import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServer } from './kube.js';
import { writeInventory, readInventory } from '../../src/engine/inventory.js';
import {
  MAX_REVISIONS,
  clearPin,
  currentUser,
  lastSucceeded,
  readHistory,
  recordRevision,
  replacedRevision,
  type NewRevision,
} from '../../src/engine/history.js';
import { decidePin } from '../../src/gitops/pin.js';
import { KubeError } from '../../src/kube/errors.js';
import type { Kube } from '../../src/kube/types.js';

const server = apiServer();

const rev = (sha: string, result: NewRevision['result'] = 'succeeded'): NewRevision => ({
  action: 'sync',
  result,
  sha,
  branch: 'main',
  revision: `main@sha1:${sha}`,
  source: '/srv/repo.git',
  path: './',
  inventory: ['Deployment/default/web'],
});

test('revisions are numbered, kept beside the inventory without disturbing it, and trimmed to the last N', async () => {
  await writeInventory(server.kube, { app: 'web', namespace: 'default', objects: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' }] });
  const one = await recordRevision(server.kube, 'web', 'default', rev('a'.repeat(40)));
  assert.equal(one.number, 1);
  assert.equal(one.by, currentUser());
  // The engine rewrites its keys; the history stays (separate field managers).
  await writeInventory(server.kube, { app: 'web', namespace: 'default', objects: [] });
  assert.equal((await readHistory(server.kube, 'web', 'default')).revisions.length, 1);
  assert.deepEqual((await readInventory(server.kube, 'web', 'default'))?.objects, []);

  for (let i = 0; i < MAX_REVISIONS + 3; i++) await recordRevision(server.kube, 'web', 'default', rev(String(i).padStart(40, '0')));
  const h = await readHistory(server.kube, 'web', 'default');
  assert.equal(h.revisions.length, MAX_REVISIONS);
  assert.equal(h.revisions[h.revisions.length - 1]!.number, MAX_REVISIONS + 4, 'numbers are never reused');
});

test('a rollback sets the pin in the same write as its revision; clearing it keeps the history', async () => {
  const head = 'b'.repeat(40);
  await recordRevision(server.kube, 'pinned', 'default', rev('a'.repeat(40)));
  await recordRevision(server.kube, 'pinned', 'default', rev(head));
  const back = await recordRevision(server.kube, 'pinned', 'default', { ...rev('a'.repeat(40)), action: 'rollback', rollbackTo: 1 }, {
    set: { sha: 'a'.repeat(40), revision: `main@sha1:${'a'.repeat(40)}`, branch: 'main', fromHead: head },
  });
  const h = await readHistory(server.kube, 'pinned', 'default');
  assert.equal(h.pin?.number, back.number);
  assert.equal(h.pin?.by, back.by);
  assert.equal(h.pin?.fromHead, head);

  const pin = h.pin!;
  assert.equal(decidePin(pin, { sha: head, branch: 'main', revision: '' }, false).kind, 'pinned');
  assert.deepEqual(decidePin(pin, { sha: 'c'.repeat(40), branch: 'main', revision: '' }, false), { kind: 'released', pin, why: 'new-commit' });
  assert.deepEqual(decidePin(pin, { sha: head, branch: 'main', revision: '' }, true), { kind: 'released', pin, why: 'unpin' });
  assert.deepEqual(decidePin(pin, { sha: head, ref: 'v2', revision: '' }, false), { kind: 'released', pin, why: 'other-ref' });
  assert.deepEqual(decidePin(undefined, { sha: head, branch: 'main', revision: '' }, false), { kind: 'none' });

  assert.equal((await clearPin(server.kube, 'pinned', 'default'))?.number, back.number);
  const cleared = await readHistory(server.kube, 'pinned', 'default');
  assert.equal(cleared.pin, undefined);
  assert.equal(cleared.revisions.length, 3);
});

test('concurrent writers never lose each other\'s revisions', async () => {
  await Promise.all(Array.from({ length: 6 }, (_, i) => recordRevision(server.kube, 'busy', 'default', rev(String(i).repeat(40)))));
  const h = await readHistory(server.kube, 'busy', 'default');
  assert.deepEqual(h.revisions.map((r) => r.number), [1, 2, 3, 4, 5, 6]);
  assert.equal(new Set(h.revisions.map((r) => r.sha)).size, 6);
});

test('the last succeeded revision skips failures, the commit named, and other sources; the replaced one is the newest success', () => {
  const mk = (number: number, sha: string, result: NewRevision['result']) => ({ ...rev(sha, result), number, time: '', by: '' });
  const h = { revisions: [mk(1, 'a', 'succeeded'), mk(2, 'b', 'succeeded'), mk(3, 'c', 'failed'), mk(4, 'b', 'succeeded')] };
  assert.equal(lastSucceeded(h, { exceptSha: 'b' })?.number, 1);
  assert.equal(lastSucceeded(h, { exceptSha: 'c' })?.number, 4);
  assert.equal(lastSucceeded(h, { source: '/elsewhere.git' }), undefined);
  // What a failing deploy replaced: the newest success, even one applied from files (no commit) or of the same commit.
  const applied = { ...mk(5, 'x', 'succeeded'), action: 'apply' as const, sha: undefined };
  assert.equal(replacedRevision(h)?.number, 4);
  assert.equal(replacedRevision({ revisions: [...h.revisions, applied, mk(6, 'd', 'rolled back')] })?.number, 5);
  assert.equal(replacedRevision({ revisions: [mk(1, 'a', 'failed')] }), undefined);
  assert.equal(currentUser({ GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '42' }), 'octocat (github run 42)');
  assert.equal(currentUser({ GITLAB_USER_LOGIN: 'tanuki', CI_JOB_ID: '7' }), 'tanuki (gitlab job 7)');
  assert.match(currentUser({ USER: 'alice' }), /^alice@/);
});

test('a history write that went through with its answer lost is not recorded twice when retried', async () => {
  await recordRevision(server.kube, 'lost', 'default', rev('a1'));
  // The first update lands, then the answer is lost: the caller sees the 409 a stale retry would get.
  let lose = true;
  const flaky: Kube = Object.create(server.kube, {
    update: {
      value: async (...args: Parameters<Kube['update']>) => {
        const written = await server.kube.update(...args);
        if (!lose) return written;
        lose = false;
        throw new KubeError({ code: 409, reason: 'Conflict', message: 'the object has been modified; please apply your changes to the latest version and try again' });
      },
    },
  });
  const recorded = await recordRevision(flaky, 'lost', 'default', rev('b2'));
  const h = await readHistory(server.kube, 'lost', 'default');
  assert.deepEqual(h.revisions.map((r) => [r.number, r.sha]), [[1, 'a1'], [2, 'b2']]);
  assert.equal(recorded.number, 2);
});
