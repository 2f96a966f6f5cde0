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
  /** From the repository root. */
  path: string;
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
  const out = await git.raw(['ls-tree', '-r', '-l', '-z', ...(trees ? ['-t'] : []), '--full-tree', '--end-of-options', sha]);
  const entries: TreeEntry[] = [];
  for (const rec of out.split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/\s+/);
    entries.push({ mode: mode!, type: type!, oid: oid!, size: Number(size), path: rec.slice(tab + 1) });
  }
  return entries;
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
