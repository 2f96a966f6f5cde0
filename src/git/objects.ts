// New git objects for a commit that changes some files of another: the blobs
// of the changed files and every tree from their directories up to the root,
// built from one listing of the parent commit. Object ids are computed here so
// that a whole commit's objects are written by two `git hash-object` runs (one
// for blobs, one for trees) instead of an index and a process per file; git
// checks each tree and the ids it prints must match.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { TreeEntry } from './tree.js';

export type ObjectFormat = 'sha1' | 'sha256';

export interface GitObject {
  oid: string;
  data: Buffer;
}

export interface RewrittenTree {
  /** The new root tree. */
  root: string;
  /** The new commit's listing, as `ls-tree -r -t -l` would give it. */
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

/**
 * The blobs and trees of the parent's tree (`listing`, from `ls-tree -r -t`)
 * with `changed` files (repository paths -> contents) replaced or added.
 * Modes of replaced files are kept; added files are 100644.
 */
export function rewriteTree(format: ObjectFormat, listing: TreeEntry[], changed: Map<string, Buffer>): RewrittenTree {
  const dirs = new Map<string, Map<string, Child>>([['', new Map()]]);
  const dir = (path: string) => {
    let d = dirs.get(path);
    if (!d) dirs.set(path, (d = new Map()));
    return d;
  };
  for (const e of listing) {
    const { dir: parent, base } = split(e.path);
    dir(parent).set(base, { mode: e.mode.replace(/^0+/, ''), oid: e.oid, isTree: e.type === 'tree' });
  }
  const blobs: GitObject[] = [];
  const touched = new Set<string>(['']);
  const entries = new Map(listing.map((e) => [e.path, e]));
  for (const [path, data] of changed) {
    const { dir: parent, base } = split(path);
    const oid = objectId(format, 'blob', data);
    blobs.push({ oid, data });
    entries.set(path, { mode: entries.get(path)?.mode ?? '100644', type: 'blob', oid, size: data.length, path });
    const old = dir(parent).get(base);
    if (old?.isTree) throw new Error(`${path} is a directory in the commit, not a file`);
    dir(parent).set(base, { mode: old?.mode ?? '100644', oid, isTree: false });
    for (let d = parent; d !== ''; d = split(d).dir) {
      touched.add(d);
      if (!entries.has(d)) entries.set(d, { mode: '040000', type: 'tree', oid: '', size: NaN, path: d });
    }
  }
  // Deepest first: a directory's new id goes into its parent's entries.
  const trees: GitObject[] = [];
  let root = '';
  for (const path of [...touched].sort((a, b) => depth(b) - depth(a))) {
    const data = serialise(dir(path));
    const oid = objectId(format, 'tree', data);
    trees.push({ oid, data });
    if (path === '') root = oid;
    else {
      const { dir: parent, base } = split(path);
      dir(parent).set(base, { mode: '40000', oid, isTree: true });
      entries.set(path, { ...entries.get(path)!, oid });
    }
  }
  const sorted = [...entries.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  return { root, listing: sorted, blobs, trees };
}

function split(path: string): { dir: string; base: string } {
  const d = posix.dirname(path);
  return { dir: d === '.' ? '' : d, base: posix.basename(path) };
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length;
}

/** A tree object: entries in git's order, where a directory sorts as if its name ended in "/". */
function serialise(entries: Map<string, Child>): Buffer {
  const key = (name: string, c: Child) => Buffer.from(c.isTree ? `${name}/` : name);
  const sorted = [...entries].sort(([a, ca], [b, cb]) => Buffer.compare(key(a, ca), key(b, cb)));
  return Buffer.concat(sorted.flatMap(([name, c]) => [Buffer.from(`${c.mode} ${name}\0`), Buffer.from(c.oid, 'hex')]));
}
