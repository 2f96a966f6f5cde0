// Opening a file in the user's editor the way kubectl edit does, minus the
// shell: KUBE_EDITOR, else EDITOR, else vi; the value is split into words as a
// shell would (quotes, backslashes) and run directly, so `code --wait` works
// and nothing in it is ever interpreted by a shell.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../engine/errors.js';

/** Splits a command line into words: '...' is literal, "..." honours \" \\ \$ \`, \ escapes outside quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`unterminated ' in editor command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && '"\\$`'.includes(line[j + 1] ?? '')) j++;
        word += line[j];
      }
      if (j >= line.length) throw new UsageError(`unterminated " in editor command: ${line}`);
      inWord = true;
      i = j;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = [env.KUBE_EDITOR, env.EDITOR].find((v) => v !== undefined && v.trim() !== '') ?? 'vi';
  const words = splitWords(chosen);
  if (words.length === 0) throw new UsageError(`empty editor command: "${chosen}"`);
  return words;
}

/** Runs the editor on `file` with the terminal attached; resolves with its exit code. */
export function runEditor(file: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [cmd, ...args] = editorCommand(env);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...args, file], { stdio: 'inherit' });
    child.on('error', (err) => reject(new UsageError(`cannot start the editor "${cmd}": ${err.message}`, 'set KUBE_EDITOR or EDITOR')));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** A private directory (0700) for the edit buffer and any copy of it we keep. */
export async function privateDir(prefix = 'gdeploy-edit-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes a file only its owner can read. */
export async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}

/** Keeps an edit that could not be saved in a new private file; returns its path. */
export async function saveEdit(name: string, text: string): Promise<string> {
  const dir = await privateDir();
  const path = join(dir.path, name);
  await writePrivate(path, text);
  return path;
}
