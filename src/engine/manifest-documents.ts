// One object's document in manifest files as they are written: found by kind,
// name and namespace among the documents a sync would read (the same YAML
// rules and `---` splitting), and replaced by an edited text in place, so that
// the other documents, the separators and the rest of the file stay byte for byte.
import type { KubeObject } from '../kube/types.js';
import { documentSpans, parseManifests, sourceOf } from './manifests.js';

/** The object a document must define. */
export interface DocumentTarget {
  kind: string;
  name: string;
  /** Undefined for a cluster-scoped object. */
  namespace?: string;
  /** Where a document that names no namespace is deployed (the namespace of the app's sync). */
  defaultNamespace: string;
}

export interface FoundDocument {
  file: string;
  /** Its place in the file's text (see DocumentSpan). */
  from: number;
  end: number;
  /** Its first line in the file, 1-based. */
  line: number;
  /** The document as written, comments included. */
  text: string;
  /** The target as the document defines it. */
  object: KubeObject;
  /** How many objects the document defines: more than one for a List. */
  objects: number;
}

export interface DocumentSearch {
  found: FoundDocument[];
  /** Files no sync could read, with the reason: the target may be in one of them. */
  unreadable: Array<{ file: string; error: string }>;
}

/** Every document of `files` (path -> text) that defines `target`. */
export function findDocuments(files: ReadonlyMap<string, string>, target: DocumentTarget): DocumentSearch {
  const found: FoundDocument[] = [];
  const unreadable: DocumentSearch['unreadable'] = [];
  for (const [file, text] of files) {
    let objects: KubeObject[];
    try {
      objects = parseManifests(text, file);
    } catch (err) {
      unreadable.push({ file, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const spans = documentSpans(text);
    for (const object of objects) {
      const src = sourceOf(object);
      const span = src && spans[src.document - 1];
      if (!span || !defines(object, target)) continue;
      const siblings = objects.filter((o) => sourceOf(o)?.document === src.document).length;
      found.push({ file, ...span, text: text.slice(span.from, span.end), object, objects: siblings });
    }
  }
  return { found, unreadable };
}

function defines(obj: KubeObject, t: DocumentTarget): boolean {
  if (obj.kind !== t.kind || obj.metadata.name !== t.name) return false;
  if (t.namespace === undefined) return true;
  return (obj.metadata.namespace || t.defaultNamespace) === t.namespace;
}

/**
 * `edited` as the text of a document that was `original`: ending with a line
 * break where the original did (the `---` after it must start a line), and
 * without one an editor added where the original had none (the end of a file).
 */
export function asDocumentText(edited: string, original: string): string {
  const lineBreak = /\r?\n$/.exec(original)?.[0];
  if (lineBreak !== undefined && !/\n$/.test(edited)) return edited + lineBreak;
  if (lineBreak === undefined && original !== '' && /\n$/.test(edited) && !/\n\r?\n$/.test(edited)) return edited.replace(/\r?\n$/, '');
  return edited;
}

/** The file's text with the document replaced by `text` (see asDocumentText); everything else as it was. */
export function replaceDocument(fileText: string, doc: Pick<FoundDocument, 'from' | 'end'>, text: string): string {
  return fileText.slice(0, doc.from) + text + fileText.slice(doc.end);
}
