// The text the user edits: a comment header, then the object. Reading it back
// strips only the leading comment block (our header and error notes); a '#'
// line anywhere else is the user's, e.g. inside a YAML block string.
import yaml from 'js-yaml';
import type { KubeObject } from '../kube/types.js';
import { KubeError } from '../kube/errors.js';
import { errorMessage } from '../engine/errors.js';

export type EditFormat = 'yaml' | 'json';

const HEADER = [
  'Please edit the object below. To cancel, save it unchanged or delete everything,',
  'then quit the editor. These comment lines at the top are ignored. If saving fails,',
  'this file reopens with the reason here.',
];

export function renderObject(obj: KubeObject, format: EditFormat): string {
  return format === 'json' ? JSON.stringify(obj, null, 4) + '\n' : yaml.dump(obj, { lineWidth: -1, noRefs: true });
}

/** The full buffer: header, optional error lines, then the body. */
export function buffer(body: string, errors: string[] = [], header: string[] = HEADER): string {
  const notes = errors.length === 0 ? [] : ['', ...errors.flatMap((e) => e.split('\n'))];
  return [...header, ...notes].map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n#\n' + body;
}

// A manifest as written in a file may begin with comments of its own, which
// must survive the edit: its header ends with a line that marks where the
// manifest starts, and only what is above that line is dropped.
const SOURCE_HEADER = [
  'Please edit the manifest below as it is written in git; its comments and layout are',
  'kept. To cancel, save it unchanged or delete everything below the marked line, then',
  'quit the editor. If it is not valid, this file reopens with the reason here.',
];
const SOURCE_MARK = '# ---- the manifest starts below this line ----';

/** The buffer for a manifest's source text: header, optional error lines, the mark, then the text. */
export function sourceBuffer(text: string, errors: string[] = []): string {
  return buffer(`${SOURCE_MARK}\n${text}`, errors, SOURCE_HEADER);
}

/**
 * The manifest text of an edited sourceBuffer: everything below the mark. If
 * the mark was deleted, the leading lines that are the header as `presented`
 * are dropped, and any other comment is the user's.
 */
export function sourceBody(edited: string, presented: string): string {
  const lines = edited.split('\n');
  for (let i = 0; i < lines.length && lines[i]!.startsWith('#'); i++) {
    if (lines[i]!.trimEnd() === SOURCE_MARK) return lines.slice(i + 1).join('\n');
  }
  const header = presented.split('\n');
  const ours = new Set(header.slice(0, header.indexOf(SOURCE_MARK)));
  let i = 0;
  while (i < lines.length && ours.has(lines[i]!)) i++;
  return lines.slice(i).join('\n');
}

/** The body of an edited buffer: everything after the leading comment block. */
export function stripHeader(text: string): string {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** Parses the body; throws with the parser's message on invalid text. */
export function parseBody(body: string, format: EditFormat): KubeObject | undefined {
  if (body.trim() === '') return undefined;
  const value = format === 'json' ? JSON.parse(body) : yaml.load(body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the file must contain one object');
  return value as KubeObject;
}

/** The lines put on top of the buffer when the server finds the edit invalid: its message, then each cause. */
export function invalidLines(subject: string, err: unknown): string[] {
  const causes = err instanceof KubeError ? err.causes.map((c) => `  * ${c.field ? `${c.field}: ` : ''}${c.message ?? c.reason ?? ''}`) : [];
  return [`${subject} is invalid:`, errorMessage(err), ...causes];
}
