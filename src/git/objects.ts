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
  for (const [path, data] of changed) {
    const { dir: parent, base } = split(path);
    const oid = objectId(format, 'blob', data);
    blobs.push({ oid, data });
    const old = dir(parent).get(base);
    if (old?.isTree) throw new Error(`${path} is a directory in the commit, not a file`);
    dir(parent).set(base, { mode: old?.mode ?? '100644', oid, isTree: false });
    for (let d = parent; d !== ''; d = split(d).dir) touched.add(d);
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
    }
  }
  return { root, blobs, trees };
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
