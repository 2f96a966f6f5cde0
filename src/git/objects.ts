// New git objects for a commit that changes some files of another: the blobs
// of the changed files and every tree from their directories up to the root,
// built from one listing of the parent commit. Object ids are computed here so
// that a whole commit's objects are written by two `git hash-object` runs (one
// for blobs, one for trees) instead of an index and a process per file; git
// checks each tree and the ids it prints must match.
import { createHash } from 'node:crypto';
import type { TreeEntry } from './tree.js';

export type ObjectFormat = 'sha1' | 'sha256';

export interface GitObject {
  oid: string;
  data: Buffer;
}

export interface RewrittenTree {
  /** The new root tree. */
  root: string;
  /** Every entry of the new commit, as `listTree` with trees gives them (sorted by path). */
  listing: TreeEntry[];
  blobs: GitObject[];
  trees: GitObject[];
}

/** The id git gives an object: the hash of `<type> <size>\0<data>`. */
export function objectId(format: ObjectFormat, type: 'blob' | 'tree', data: Buffer): string {
  return createHash(format).update(`${type} ${data.length}\0`).update(data).digest('hex');
}

interface Child {
  /** As git writes it in a tree: 100644, 100755, 120000, 40000, 160000. */
  mode: string;
  oid: string;
  isTree: boolean;
}

const FILE_MODES = new Set(['100644', '100755']);

/**
 * The blobs and trees of the parent's tree (`listing`, from `listTree` with
 * trees) with `changed` files (repository paths -> contents) replaced or
 * added. Modes of replaced files are kept; added files are 100644. Only
 * regular files are replaced, and only under directories. Names are handled
 * as the bytes git gave (the entries' `raw`), so a name that is not UTF-8 is
 * written back as it was.
 */
export function rewriteTree(format: ObjectFormat, listing: TreeEntry[], changed: Map<string, Buffer>): RewrittenTree {
  // Everything below is keyed by raw paths: one character per byte.
  const dirs = new Map<string, Map<string, Child>>([['', new Map()]]);
  const dir = (raw: string) => {
    let d = dirs.get(raw);
    if (!d) dirs.set(raw, (d = new Map()));
    return d;
  };
  const entries = new Map<string, TreeEntry>();
  const byText = new Map<string, TreeEntry[]>();
  for (const e of listing) {
    const { dir: parent, base } = split(e.raw);
    dir(parent).set(base, { mode: e.mode.replace(/^0+/, ''), oid: e.oid, isTree: e.type === 'tree' });
    entries.set(e.raw, e);
    byText.set(e.path, [...(byText.get(e.path) ?? []), e]);
  }
  const blobs: GitObject[] = [];
  const touched = new Set<string>(['']);
  for (const [path, data] of changed) {
    const same = byText.get(path) ?? [];
    if (same.length > 1) throw new Error(`${path} names ${same.length} entries of the commit (names that are not UTF-8)`);
    const old = same[0];
    if (old !== undefined && !(old.type === 'blob' && FILE_MODES.has(old.mode))) {
      throw new Error(`${path} is not a regular file in the commit (mode ${old.mode})`);
    }
    const raw = old?.raw ?? Buffer.from(path, 'utf8').toString('latin1');
    const { dir: parent, base } = split(raw);
    for (let d = parent; d !== ''; d = split(d).dir) {
      const above = entries.get(d);
      if (above !== undefined && above.type !== 'tree') throw new Error(`${path}: ${above.path} is not a directory in the commit`);
      touched.add(d);
      if (above === undefined) entries.set(d, { mode: '040000', type: 'tree', oid: '', size: NaN, path: text(d), raw: d });
    }
    const oid = objectId(format, 'blob', data);
    blobs.push({ oid, data });
    const mode = old?.mode ?? '100644';
    entries.set(raw, { mode, type: 'blob', oid, size: data.length, path: old?.path ?? path, raw });
    dir(parent).set(base, { mode, oid, isTree: false });
  }
  // Deepest first: a directory's new id goes into its parent's entries.
  const trees: GitObject[] = [];
  let root = '';
  for (const raw of [...touched].sort((a, b) => depth(b) - depth(a))) {
    const data = serialise(dir(raw));
    const oid = objectId(format, 'tree', data);
    trees.push({ oid, data });
    if (raw === '') root = oid;
    else {
      const { dir: parent, base } = split(raw);
      dir(parent).set(base, { mode: '40000', oid, isTree: true });
      entries.set(raw, { ...entries.get(raw)!, oid });
    }
  }
  const sorted = [...entries.values()].sort((a, b) => Buffer.compare(Buffer.from(a.raw, 'latin1'), Buffer.from(b.raw, 'latin1')));
  return { root, listing: sorted, blobs, trees };
}

function split(raw: string): { dir: string; base: string } {
  const slash = raw.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: raw } : { dir: raw.slice(0, slash), base: raw.slice(slash + 1) };
}

function depth(raw: string): number {
  return raw === '' ? 0 : raw.split('/').length;
}

function text(raw: string): string {
  return Buffer.from(raw, 'latin1').toString('utf8');
}

/** A tree object: entries in git's order, where a directory sorts as if its name ended in "/". */
function serialise(entries: Map<string, Child>): Buffer {
  const key = (name: string, c: Child) => Buffer.from(c.isTree ? `${name}/` : name, 'latin1');
  const sorted = [...entries].sort(([a, ca], [b, cb]) => Buffer.compare(key(a, ca), key(b, cb)));
  return Buffer.concat(sorted.flatMap(([name, c]) => [Buffer.from(`${c.mode} ${name}\0`, 'latin1'), Buffer.from(c.oid, 'hex')]));
}
