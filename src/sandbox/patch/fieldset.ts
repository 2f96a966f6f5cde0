// Sets of field paths, the currency of server-side apply ownership, with the
// fieldsV1 wire format of metadata.managedFields. A path element is kept in its
// serialized form (`f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`), so a set is a
// tree keyed by the same strings the API server writes.
import { PatchError } from './errors.js';

/** One step of a field path, serialized as in fieldsV1. */
export type PathElement = string;
export type Path = PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{...}`: a list item selected by its key fields, in sorted key order as the API server writes them. */
export function keyElement(fields: [string, unknown][]): PathElement {
  const sorted = [...fields].sort(([a], [b]) => compareStrings(a, b));
  return `k:${JSON.stringify(Object.fromEntries(sorted))}`;
}

/** `v:...`: an item of a set-typed list. */
export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

export class FieldSet {
  /** Elements whose path (prefix + element) belongs to the set. */
  readonly members = new Set<PathElement>();
  /** Subsets below an element; a child may exist without its element being a member. */
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (const pe of path.slice(0, -1)) node = node.child(pe);
    node.members.add(path[path.length - 1]!);
  }

  has(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path.slice(0, -1)) {
      node = node.children.get(pe);
      if (!node) return false;
    }
    return path.length > 0 && node.members.has(path[path.length - 1]!);
  }

  /** The subset below `pe`, created when missing. */
  child(pe: PathElement): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  private addAll(other: FieldSet): void {
    for (const m of other.members) this.members.add(m);
    for (const [pe, c] of other.children) this.child(pe).addAll(c);
  }

  /** Paths in this set and in `other`. */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const oc = other.children.get(pe);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.empty()) out.children.set(pe, i);
    }
    return out;
  }

  /** Paths in this set and not in `other` (path by path: a member of `other` does not remove its descendants). */
  difference(other: FieldSet): FieldSet {
    return this.subtract(other, false);
  }

  /** Like difference, but a member of `other` also removes every path below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    return this.subtract(other, true);
  }

  private subtract(other: FieldSet, recursive: boolean): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      if (recursive && other.members.has(pe)) continue;
      const oc = other.children.get(pe);
      const d = oc ? c.subtract(oc, recursive) : c.clone();
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  /** Every member path: the members of a node, then those of its children, each level in element order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const m of sortElements([...this.members])) out.push([...prefix, m]);
    for (const pe of sortElements([...this.children.keys()])) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }
}

// --- fieldsV1 -------------------------------------------------------------

/** Encodes a set as fieldsV1: `{}` for a member leaf, `".": {}` marking a member that also has children. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const elements = new Set([...set.members, ...set.children.keys()]);
  for (const pe of sortElements([...elements])) {
    const child = set.children.get(pe);
    const body = child && !child.empty() ? toFieldsV1(child) : {};
    if (set.members.has(pe) && Object.keys(body).length > 0) out[pe] = { '.': {}, ...body };
    else if (set.members.has(pe) || Object.keys(body).length > 0) out[pe] = body;
  }
  return out;
}

export function fromFieldsV1(fields: unknown): FieldSet {
  const out = new FieldSet();
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new PatchError('metadata.managedFields: fieldsV1 must be an object', 400);
  }
  for (const [pe, body] of Object.entries(fields)) {
    if (pe === '.') continue;
    validateElement(pe);
    const child = fromFieldsV1(body);
    const bodyObject = body as Record<string, unknown>;
    if (Object.keys(bodyObject).length === 0 || Object.hasOwn(bodyObject, '.')) out.members.add(pe);
    if (!child.empty()) out.children.set(pe, child);
  }
  return out;
}

function validateElement(pe: string): void {
  const kind = pe.slice(0, 2);
  if (kind === 'f:') return;
  if (kind === 'k:' || kind === 'v:' || kind === 'i:') {
    try {
      JSON.parse(pe.slice(2));
      return;
    } catch {
      // fall through to the error
    }
  }
  throw new PatchError(`metadata.managedFields: invalid path element ${JSON.stringify(pe)}`, 400);
}

// --- ordering and printing ----------------------------------------------

const RANK: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };

/** Orders elements as the API server does: field names, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  const ra = RANK[a.slice(0, 2)] ?? 4;
  const rb = RANK[b.slice(0, 2)] ?? 4;
  if (ra !== rb) return ra - rb;
  if (ra === 0) return compareStrings(a.slice(2), b.slice(2));
  if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
  const va: unknown = JSON.parse(a.slice(2));
  const vb: unknown = JSON.parse(b.slice(2));
  return ra === 1 ? compareKeys(va as Record<string, unknown>, vb as Record<string, unknown>) : compareValues(va, vb);
}

function sortElements(elements: PathElement[]): PathElement[] {
  return elements.sort(compareElements);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ea = Object.entries(a);
  const eb = Object.entries(b);
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) {
    const x = ea[i];
    const y = eb[i];
    if (!x) return -1;
    if (!y) return 1;
    const c = compareStrings(x[0], y[0]) || compareValues(x[1], y[1]);
    if (c !== 0) return c;
  }
  return 0;
}

// Scalars order by type (null, bool, number, string), then by value.
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(JSON.stringify(a), JSON.stringify(b));
}

/** A path as the API server prints it in conflicts: `.spec.template.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path.map(elementString).join('');
}

function elementString(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      const key = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.entries(key).map(([k, v]) => `${k}=${scalarString(v)}`).join(',')}]`;
    }
    case 'v:':
      return `[=${scalarString(JSON.parse(body))}]`;
    default:
      return `[${body}]`;
  }
}

// Strings quoted (Go's %q), numbers and booleans bare: JSON's rendering of scalars.
function scalarString(v: unknown): string {
  return JSON.stringify(v);
}
