// JSON patch (RFC 6902) with JSON pointers (RFC 6901). Operations apply in
// order to a copy; the first failing one aborts the whole patch, with the
// wording of the evanphx/json-patch library the API server uses.
import { PatchError } from './errors.js';
import { deepEqual, isObject, setField } from './json.js';

type Container = Record<string, unknown> | unknown[];

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  let doc: unknown = structuredClone(target);
  for (const raw of ops) doc = applyOperation(doc, parseOperation(raw));
  return doc;
}

function parseOperation(raw: unknown): Operation {
  if (!isObject(raw)) throw new PatchError('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation', 400);
  const { op, path, from } = raw;
  if (typeof op !== 'string' || !OPS.has(op)) throw new PatchError(`Unexpected kind: ${String(op)}`);
  if (typeof path !== 'string') throw new PatchError(`operation missing path: ${JSON.stringify(raw)}`);
  if ((op === 'move' || op === 'copy') && typeof from !== 'string') throw new PatchError(`operation missing from: ${JSON.stringify(raw)}`);
  if ((op === 'add' || op === 'replace' || op === 'test') && !Object.hasOwn(raw, 'value')) {
    throw new PatchError(`operation missing value: ${JSON.stringify(raw)}`);
  }
  return raw as unknown as Operation;
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, structuredClone(op.value));
    case 'remove':
      return remove(doc, op.path).doc;
    case 'replace': {
      const removed = remove(doc, op.path, 'replace');
      return add(removed.doc, op.path, structuredClone(op.value));
    }
    case 'move': {
      const from = op.from!;
      if (op.path.startsWith(`${from}/`)) throw new PatchError(`move operation does not apply: "from" ${from} is a prefix of "path" ${op.path}`);
      const removed = remove(doc, from, 'move');
      return add(removed.doc, op.path, removed.value);
    }
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, op.from!, 'copy')));
    case 'test': {
      const actual = op.path === '' ? doc : lookup(doc, op.path);
      if (!deepEqual(actual, op.value)) throw new PatchError(`testing value ${op.path} failed: test failed`);
      return doc;
    }
  }
}

/** Splits a JSON pointer into unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the last token of `pointer`, and that token. */
function parent(doc: unknown, pointer: string, op: string): { container: Container; token: string } {
  const tokens = parsePointer(pointer);
  const token = tokens.pop();
  if (token === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}"`);
  let node: unknown = doc;
  for (const t of tokens) {
    node = child(node, t);
    if (node === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  if (!isObject(node) && !Array.isArray(node)) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return { container: node, token };
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const i = arrayIndex(token, node.length - 1);
    return i === undefined ? undefined : node[i];
  }
  if (isObject(node)) return Object.hasOwn(node, token) ? node[token] : undefined;
  return undefined;
}

/** A valid array index not above `max`, or undefined. */
function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= max ? i : undefined;
}

function lookup(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const t of parsePointer(pointer)) {
    node = child(node, t);
    if (node === undefined) return undefined;
  }
  return node;
}

function get(doc: unknown, pointer: string, op: string): unknown {
  const value = lookup(doc, pointer);
  if (value === undefined) throw new PatchError(`${op} operation does not apply: doc is missing from path: "${pointer}"`);
  return value;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const { container, token } = parent(doc, pointer, 'add');
  if (Array.isArray(container)) {
    const i = token === '-' ? container.length : arrayIndex(token, container.length);
    if (i === undefined) throw new PatchError(`add operation does not apply: index out of bounds: "${pointer}"`);
    container.splice(i, 0, value);
  } else {
    setField(container, token, value);
  }
  return doc;
}

function remove(doc: unknown, pointer: string, op = 'remove'): { doc: unknown; value: unknown } {
  if (pointer === '') return { doc: undefined, value: doc };
  const { container, token } = parent(doc, pointer, op);
  if (Array.isArray(container)) {
    const i = arrayIndex(token, container.length - 1);
    if (i === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}"`);
    const [value] = container.splice(i, 1);
    return { doc, value };
  }
  if (!Object.hasOwn(container, token)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}"`);
  const value = container[token];
  delete container[token];
  return { doc, value };
}
