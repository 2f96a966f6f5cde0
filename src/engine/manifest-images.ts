// Setting a container's image in a manifest file as a person would: only the
// image value changes. Comments, key order, quoting, indentation and the other
// documents of the file stay byte for byte, because the new value replaces the
// old one at its place in the text (the `yaml` package parses with source
// ranges); nothing is re-serialised.
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, Scalar, YAMLMap, type Document } from 'yaml';
import { POD_SPEC_PATH } from './images.js';

/** Which object a document must be to be edited. */
export interface ObjectIdentity {
  kind: string;
  name: string;
  /** Matched when the document names a namespace; a document without one matches any. */
  namespace?: string;
}


export interface ImageEdit {
  /** The new text of the file. */
  text: string;
  /** Containers whose image was set, `name: old -> new`. */
  changed: string[];
}

/**
 * Sets `images` (container name -> image) on the document of `file` that is
 * `target`. Undefined when no document of the file is that object; containers
 * named that the document does not have are left to the caller to report.
 */
export function setImagesInText(text: string, target: ObjectIdentity, images: ReadonlyMap<string, string>): ImageEdit | undefined {
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) return undefined;
  const doc = docs.find((d) => isTarget(d, target));
  if (!doc) return undefined;
  const path = POD_SPEC_PATH[target.kind];
  if (!path) return undefined;
  const podSpec = doc.getIn(path, true);
  if (!isMap(podSpec)) return undefined;
  const replacements: Array<{ from: number; to: number; text: string }> = [];
  const changed: string[] = [];
  for (const field of ['initContainers', 'containers']) {
    const list = podSpec.get(field, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      const name = item.get('name');
      if (typeof name !== 'string') continue;
      const image = images.get(name) ?? images.get('*');
      if (image === undefined) continue;
      const node = (item as YAMLMap).get('image', true);
      if (!isScalar(node) || !node.range || node.value === image) continue;
      replacements.push({ from: node.range[0], to: node.range[1], text: render(node, image) });
      changed.push(`${name}: ${String(node.value)} -> ${image}`);
    }
  }
  let out = text;
  for (const r of replacements.sort((a, b) => b.from - a.from)) out = out.slice(0, r.from) + r.text + out.slice(r.to);
  return { text: out, changed };
}

function isTarget(doc: Document, target: ObjectIdentity): boolean {
  if (doc.errors.length > 0) return false;
  const ns = doc.getIn(['metadata', 'namespace']);
  return (
    doc.get('kind') === target.kind &&
    doc.getIn(['metadata', 'name']) === target.name &&
    (ns === undefined || target.namespace === undefined || ns === target.namespace)
  );
}

/** The new value in the old one's style: quoted as it was, plain when it was plain and can stay so. */
function render(node: Scalar, value: string): string {
  switch (node.type) {
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replaceAll("'", "''")}'`;
    default:
      // An image reference is plain-safe unless it could read as something else.
      return /^[A-Za-z0-9][\w.\-/:@]*$/.test(value) ? value : JSON.stringify(value);
  }
}

/** `registry/app:tag@sha256:...` split as kustomize reads it. */
export function splitImage(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  return { name: hasTag ? rest.slice(0, colon) : rest, ...(hasTag ? { tag: rest.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}

/**
 * Sets images where kustomize takes them from: the `images:` list of a
 * kustomization, as `kustomize edit set image` does. `changes` maps the image
 * the workloads run now to the one they should run. An entry naming the old
 * image (by `name`, or by the `newName` it already rewrites to) is updated;
 * otherwise one is added. Returns the new text, or undefined when nothing changes.
 */
export function setKustomizeImages(text: string, changes: Array<{ from: string; to: string }>): string | undefined {
  const doc = parseDocument(text);
  let images = doc.get('images', true);
  if (!isSeq(images)) {
    doc.set('images', doc.createNode([]));
    images = doc.get('images', true);
  }
  if (!isSeq(images)) return undefined;
  let changed = false;
  for (const { from, to } of changes) {
    const old = splitImage(from);
    const next = splitImage(to);
    let entry = images.items.find((i) => isMap(i) && (i.get('name') === old.name || i.get('newName') === old.name)) as YAMLMap | undefined;
    if (!entry) {
      entry = new YAMLMap();
      entry.set('name', old.name);
      images.items.push(entry);
    }
    const set = (key: string, value: string | undefined) => {
      if (value === undefined) {
        if (entry!.has(key)) entry!.delete(key);
      } else if (entry!.get(key) !== value) entry!.set(key, value);
    };
    const before = String(entry);
    set('newName', next.name === entry.get('name') ? undefined : next.name);
    set('newTag', next.tag);
    set('digest', next.digest);
    if (String(entry) !== before) changed = true;
  }
  return changed ? doc.toString() : undefined;
}
