// Writes the files of one commit into a directory, straight from the object
// database (ls-tree + blob contents), so what is deployed is exactly what the
// commit holds: never a working tree with local edits, no checkout filters.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { UsageError } from '../engine/errors.js';

export interface TreeEntry {
  mode: string;
  /** blob, tree or commit (a submodule). */
  type: string;
  oid: string;
  /** Bytes of a blob; NaN for trees and submodules. */
  size: number;
  /** From the repository root, as text (a name that is not UTF-8 shows U+FFFD). */
  path: string;
  /** The same path byte for byte, one character per byte (latin1): what a tree object holds. */
  raw: string;
}

export interface MaterializedTree {
  /** The destination: the repository root. */
  dir: string;
  /** The directory (or single file) that --path names, inside the destination. */
  root: string;
  files: number;
  /** Entries that were not written: symlinks and submodules. */
  skipped: string[];
}

const KUSTOMIZATION = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;
// Keeps each `git show` argv well below any platform's limit.
const BLOBS_PER_READ = 200;

/** Normalises --path to a repository-relative path ('' for the root); refuses anything that escapes. */
export function normaliseRepoPath(input: string): string {
  if (input.includes('\0')) throw new UsageError('--path contains a NUL character');
  // Backslashes count as separators: `\etc` is as absolute as `/etc`.
  const slashed = input.replace(/\\/g, '/');
  if (posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) {
    throw new UsageError(`--path "${input}" must be relative to the repository root`);
  }
  const norm = posix.normalize(slashed).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) {
    throw new UsageError(`--path "${input}" leaves the repository`);
  }
  return norm === '.' ? '' : norm;
}

/** What is already known of a commit: its listing (`listTree` with trees) and blob contents by id. */
export interface KnownTree {
  listing: TreeEntry[];
  blobs: ReadonlyMap<string, Buffer>;
}

export async function materializeTree(git: SimpleGit, sha: string, path: string, dest: string, known?: KnownTree): Promise<MaterializedTree> {
  const all = known ? known.listing.filter((e) => e.type !== 'tree') : await listTree(git, sha);
  const inPath = (e: TreeEntry) => path === '' || e.path === path || e.path.startsWith(path + '/');
  const selected = all.filter(inPath);
  if (selected.length === 0) {
    throw new UsageError(`path "${path}" does not exist in commit ${sha.slice(0, 12)}`);
  }
  // A kustomization may pull in ../base from elsewhere in the repository.
  const wanted = selected.some((e) => KUSTOMIZATION.test(e.path)) ? all : selected;
  const skipped: string[] = [];
  const blobs: TreeEntry[] = [];
  for (const e of wanted) {
    if (e.type === 'blob' && e.mode !== '120000' && safeRelative(e.path)) blobs.push(e);
    else skipped.push(e.path);
  }
  const contents = await readBlobs(git, blobs, known?.blobs);
  for (const b of blobs) {
    const file = join(dest, ...b.path.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, contents.get(b.path)!);
  }
  return { dir: dest, root: path === '' ? dest : join(dest, ...path.split('/')), files: blobs.length, skipped };
}

/** Every entry of commit `sha`, from the root; with `trees`, the directories too. */
export async function listTree(git: SimpleGit, sha: string, trees = false): Promise<TreeEntry[]> {
  // Quoted paths rather than -z: git's output reaches us decoded as UTF-8, and a
  // quoted path is ASCII whatever bytes the name has, so no name is changed on the way.
  const out = await git.raw(['-c', 'core.quotePath=true', 'ls-tree', '-r', '-l', ...(trees ? ['-t'] : []), '--full-tree', '--end-of-options', sha]);
  const entries: TreeEntry[] = [];
  for (const rec of out.split('\n')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/\s+/);
    const raw = unquotePath(rec.slice(tab + 1));
    entries.push({ mode: mode!, type: type!, oid: oid!, size: Number(size), path: Buffer.from(raw, 'latin1').toString('utf8'), raw });
  }
  return entries;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** A path as git prints it (C-quoted when it has special or non-ASCII bytes), as a byte string. */
export function unquotePath(text: string): string {
  if (!text.startsWith('"')) return text;
  const bytes: number[] = [];
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      bytes.push(text.charCodeAt(i));
      continue;
    }
    const next = text[++i]!;
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(text.slice(i, i + 3), 8));
      i += 2;
    } else if (ESCAPES[next] !== undefined) bytes.push(ESCAPES[next]!);
    else throw new Error(`git printed a path with an unknown escape: ${text}`);
  }
  return Buffer.from(bytes).toString('latin1');
}

/**
 * The contents of blobs listed by `listTree`, by path: those not `known`
 * (by id) read by one git process per few hundred blobs.
 */
export async function readBlobs(git: SimpleGit, blobs: TreeEntry[], known?: ReadonlyMap<string, Buffer>): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  const missing: TreeEntry[] = [];
  for (const b of blobs) {
    const have = known?.get(b.oid);
    if (have) contents.set(b.path, have);
    else missing.push(b);
  }
  for (let i = 0; i < missing.length; i += BLOBS_PER_READ) {
    const batch = missing.slice(i, i + BLOBS_PER_READ);
    // Blob contents come back concatenated; ls-tree -l gave each one's size.
    const out = await git.showBuffer(batch.map((b) => b.oid));
    let offset = 0;
    for (const b of batch) {
      contents.set(b.path, out.subarray(offset, offset + b.size));
      offset += b.size;
    }
    if (offset !== out.length) throw new Error(`git show returned ${out.length} bytes for blobs of ${offset} bytes`);
  }
  return contents;
}

function safeRelative(p: string): boolean {
  return !p.split('/').some((s) => s === '..' || s === '' || s === '.git');
}
