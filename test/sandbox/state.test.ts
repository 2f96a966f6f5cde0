import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadState, persistState, saveState, type StoreSnapshot } from '../../src/sandbox/state.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdeploy-state-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const snapshot = (rv: string, data: Record<string, string>): StoreSnapshot => ({
  resourceVersion: rv,
  objects: [
    {
      resource: { group: '', plural: 'configmaps' },
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default', uid: 'u-1', resourceVersion: rv }, data },
    },
    {
      resource: { group: 'apps', plural: 'deployments' },
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello-world-flask', namespace: 'default' }, spec: { replicas: 2 } },
    },
  ],
});

test('a saved snapshot loads back equal', (t) => {
  const file = join(tempDir(t), 'nested', 'state.json');
  const snap = snapshot('17', { color: 'blue' });
  saveState(file, snap);
  assert.deepEqual(loadState(file), snap);
  // Written through a temporary file that is renamed over the target: nothing else remains.
  assert.deepEqual(readdirSync(join(file, '..')), ['state.json']);
});

test('a missing file is no state; a foreign or broken file is an error naming the file', (t) => {
  const dir = tempDir(t);
  assert.equal(loadState(join(dir, 'absent.json')), undefined);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"format":');
  assert.throws(() => loadState(broken), /broken\.json is not valid JSON/);
  const foreign = join(dir, 'foreign.json');
  writeFileSync(foreign, JSON.stringify({ apiVersion: 'v1', kind: 'Config' }));
  assert.throws(() => loadState(foreign), /foreign\.json is not a gdeploy sandbox state file/);
});

test('changes are saved after a quiet moment, and once more on stop', async (t) => {
  const file = join(tempDir(t), 'state.json');
  const listeners = new Set<() => void>();
  let current = snapshot('1', { n: '0' });
  let snapshots = 0;
  const source = {
    snapshot: () => {
      snapshots++;
      return current;
    },
    subscribe: (fn: () => void) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  const persister = persistState(file, source, { debounceMs: 20 });
  for (let i = 1; i <= 5; i++) {
    current = snapshot(String(i + 1), { n: String(i) });
    for (const l of listeners) l();
  }
  // A burst of changes becomes one write once it settles.
  for (let waited = 0; loadState(file) === undefined && waited < 10_000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(snapshots, 1);
  assert.deepEqual(loadState(file)?.objects[0]?.object.data, { n: '5' });

  current = snapshot('9', { n: 'final' });
  persister.stop();
  assert.equal(listeners.size, 0);
  assert.equal(loadState(file)?.resourceVersion, '9');
});
