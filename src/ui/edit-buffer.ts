// The text the user edits: a comment header, then the object. Reading it back
// strips only the leading comment block (our header and error notes); a '#'
// line anywhere else is the user's, e.g. inside a YAML block string.
import yaml from 'js-yaml';
import type { KubeObject } from '../kube/types.js';

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
export function buffer(body: string, errors: string[] = []): string {
  const notes = errors.length === 0 ? [] : ['', ...errors.flatMap((e) => e.split('\n'))];
  return [...HEADER, ...notes].map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n#\n' + body;
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
