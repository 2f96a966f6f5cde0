// `gdeploy sandbox --state FILE`: the sandbox's objects survive a restart, as
// etcd's data directory makes a cluster's survive one. The file is rewritten
// whole, atomically (temp file + rename), shortly after every change and on
// stop, so a crash leaves either the old state or the new one, never half.
//
// For the API server, with a store that can snapshot and restore itself:
//   store.snapshot(): StoreSnapshot     // every object and the resourceVersion counter
//   store.restore(s: StoreSnapshot)     // before controllers start; later writes get
//                                       // resourceVersions above s.resourceVersion
// the wiring is:
//   const saved = loadState(file);                 // undefined when the file does not exist
//   if (saved) store.restore(saved);
//   const persister = persistState(file, store);   // store: { snapshot(), subscribe(fn) }
//   ...
//   persister.stop();                              // on shutdown: writes the final state
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { KubeObject } from './types.js';

export interface StoreSnapshot {
  /** The store's resourceVersion counter at the time of the snapshot. */
  resourceVersion: string;
  objects: SnapshotEntry[];
}

export interface SnapshotEntry {
  /** Which served resource the object belongs to (its version is the object's apiVersion). */
  resource: { group: string; plural: string };
  object: KubeObject;
}

export interface SnapshotSource {
  snapshot(): StoreSnapshot;
  subscribe(listener: () => void): () => void;
}

export interface StatePersister {
  /** Writes now if a change is pending. */
  flush(): void;
  /** Stops listening and writes the final state. */
  stop(): void;
}

const FORMAT = 'gdeploy/sandbox-state/v1';

interface StateFile {
  format: typeof FORMAT;
  savedAt: string;
  resourceVersion: string;
  objects: SnapshotEntry[];
}

/** The saved snapshot, or undefined when `path` does not exist. Throws on an unreadable file. */
export function loadState(path: string): StoreSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`sandbox state ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return checkStateFile(parsed, path);
}

/** Writes `snap` to `path` atomically. */
export function saveState(path: string, snap: StoreSnapshot): void {
  const file: StateFile = {
    format: FORMAT,
    savedAt: new Date().toISOString(),
    resourceVersion: snap.resourceVersion,
    objects: snap.objects,
  };
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // Same directory as the target: rename(2) is atomic only within one filesystem.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(file) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Saves `source` to `path` `debounceMs` after a change (a burst of changes,
 * like a rollout, becomes one write), and once more on stop.
 */
export function persistState(
  path: string,
  source: SnapshotSource,
  opts: { debounceMs?: number; onError?: (err: unknown) => void } = {},
): StatePersister {
  const debounceMs = opts.debounceMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const write = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    try {
      saveState(path, source.snapshot());
    } catch (err) {
      if (opts.onError) opts.onError(err);
      else throw err;
    }
  };
  const unsubscribe = source.subscribe(() => {
    dirty = true;
    // unref: a pending write must not keep a stopping process alive; stop() flushes it.
    timer ??= setTimeout(write, debounceMs).unref();
  });
  return {
    flush: write,
    stop() {
      unsubscribe();
      dirty = true;
      write();
    },
  };
}

function checkStateFile(v: unknown, path: string): StoreSnapshot {
  const bad = (why: string): Error => new Error(`sandbox state ${path} is not a gdeploy sandbox state file: ${why}`);
  if (!isRecord(v)) throw bad('not a JSON object');
  if (v.format !== FORMAT) throw bad(`format is ${JSON.stringify(v.format)}, want ${JSON.stringify(FORMAT)}`);
  if (typeof v.resourceVersion !== 'string') throw bad('resourceVersion is missing');
  if (!Array.isArray(v.objects)) throw bad('objects is missing');
  const objects: SnapshotEntry[] = [];
  for (const [i, e] of v.objects.entries()) {
    if (!isRecord(e) || !isRecord(e.resource) || !isRecord(e.object)) throw bad(`objects[${i}] is malformed`);
    const { group, plural } = e.resource;
    const obj = e.object;
    if (typeof group !== 'string' || typeof plural !== 'string') throw bad(`objects[${i}].resource is malformed`);
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || !isRecord(obj.metadata)) {
      throw bad(`objects[${i}].object has no apiVersion, kind or metadata`);
    }
    objects.push({ resource: { group, plural }, object: obj as KubeObject });
  }
  return { resourceVersion: v.resourceVersion, objects };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
