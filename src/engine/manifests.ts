// Loads manifests the way `kubectl apply -f` reads them: files, directories
// (only .yaml/.yml/.json inside, recursing with -R), '-' for stdin, several
// documents per file, List kinds unpacked. A directory with a kustomization
// file is rendered with `kubectl kustomize`. Everything is read and checked
// before anything is sent: a bad document fails the whole load, naming its
// file, document number and line.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../kube/types.js';
import { ExitCode, GdeployError } from './errors.js';
import { keyOf, subjectOf } from './changeset.js';
import { namespaceProblem, objectNameProblem } from './names.js';
import { KUBE_YAML_SCHEMA } from './kube-yaml.js';

export interface ManifestSource {
  /** File path, '<stdin>', or '<kustomize DIR>'. */
  file: string;
  /** 1-based document number within the file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
}

export interface LoadOptions {
  /** Descend into subdirectories of directories given (-R). */
  recursive?: boolean;
  /** Reads stdin for '-' (tests replace it). */
  readStdin?: () => Promise<string>;
  /** The kubectl binary for kustomizations; 'kubectl' from PATH when absent. */
  kubectl?: string;
}

/** A manifest that cannot be used. Nothing has been sent to the cluster when it is thrown. */
export class ManifestError extends GdeployError {
  constructor(message: string, hint?: string, exitCode?: ExitCode) {
    super(message, { hint, exitCode });
    this.name = 'ManifestError';
  }
}

const sources = new WeakMap<KubeObject, ManifestSource>();

/** Where a loaded object came from, for messages. */
export function sourceOf(obj: KubeObject): ManifestSource | undefined {
  return sources.get(obj);
}

/** A deep copy that still knows where it was loaded from. */
export function cloneManifest(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  const src = sources.get(obj);
  if (src) sources.set(copy, src);
  return copy;
}

export function describeSource(src: ManifestSource): string {
  return `${src.file}: document ${src.document} (line ${src.line})`;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export async function loadManifests(paths: string[], opts: LoadOptions = {}): Promise<KubeObject[]> {
  if (paths.length === 0) throw new ManifestError('no manifests given', 'pass -f FILE, -f DIR or -f -');
  const objects: KubeObject[] = [];
  for (const p of paths) {
    for (const doc of await readPath(p, opts, true)) objects.push(...parseManifests(doc.text, doc.file));
  }
  rejectDuplicates(objects);
  return objects;
}

interface SourceText {
  file: string;
  text: string;
}

async function readPath(path: string, opts: LoadOptions, given: boolean): Promise<SourceText[]> {
  if (path === '-') return [{ file: '<stdin>', text: await (opts.readStdin ?? readStdin)() }];
  // Synchronous reads: hundreds of small files load several times faster than with fs/promises.
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ManifestError(`the path "${path}" does not exist`, code === 'ENOENT' ? undefined : (err as Error).message);
  }
  if (!st.isDirectory()) return [{ file: path, text: readFileSync(path, 'utf8') }];
  const entries = readdirSync(path, { withFileTypes: true });
  const kustomization = entries.find((e) => e.isFile() && KUSTOMIZATION_FILES.includes(e.name));
  if (kustomization) return [{ file: `<kustomize ${path}>`, text: await kustomize(path, opts.kubectl ?? 'kubectl') }];
  const out: SourceText[] = [];
  // Lexical order, as kubectl walks directories.
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = join(path, e.name);
    if (e.isDirectory()) {
      if (opts.recursive) out.push(...(await readPath(child, opts, false)));
    } else if (MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) {
      out.push({ file: child, text: readFileSync(child, 'utf8') });
    }
  }
  if (given && out.length === 0 && !opts.recursive && entries.some((e) => e.isDirectory())) {
    throw new ManifestError(`no manifests in directory "${path}"`, 'its subdirectories are read only with -R');
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function kustomize(dir: string, kubectl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['kustomize', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new ManifestError(
              `"${dir}" is a kustomization, and rendering it needs kubectl, which is not on PATH`,
              'install kubectl, or pass the rendered manifests: kustomize build DIR | gdeploy apply -f -',
            )
          : new ManifestError(`cannot run ${kubectl} kustomize ${dir}: ${e.message}`),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new ManifestError(`kubectl kustomize ${dir} failed: ${err.trim() || `exit code ${code}`}`));
    });
  });
}

// Scalars resolve as kubectl's YAML reader resolves them (YAML 1.1: `yes` is true).
const SCHEMA = KUBE_YAML_SCHEMA;

/** Parses one file's text (YAML stream or JSON) into objects, checking each. */
export function parseManifests(text: string, file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  const docs = isJSONFile(file, text) ? [{ text, line: 1 }] : splitDocuments(text);
  docs.forEach((doc, i) => {
    const src: ManifestSource = { file, document: i + 1, line: doc.line };
    const value = parseDocument(doc.text, src, docs.length === 1 && isJSONFile(file, text));
    if (value === null || value === undefined) return; // empty document, as kubectl skips them
    checkExpandedSize(value, src);
    for (const obj of unpack(value, src)) {
      sources.set(obj, src);
      objects.push(obj);
    }
  });
  return objects;
}

function isJSONFile(file: string, text: string): boolean {
  return extname(file).toLowerCase() === '.json' || /^\s*[{[]/.test(text) && !/^---/m.test(text);
}

/** Splits a YAML stream at `---` lines, remembering where each document starts (1-based line). */
export function splitDocuments(text: string): Array<{ text: string; line: number }> {
  // A document's last line ends before the `---` that follows it; \r\n reads as \n.
  return documentSpans(text).map((d) => ({ text: text.slice(d.from, d.end).replace(/\r?\n$/, d.end < text.length ? '' : '\n').replaceAll('\r\n', '\n'), line: d.line }));
}

/** Where one document of a YAML stream stands in its text. */
export interface DocumentSpan {
  /** Offset of its first character: the start of the line after the `---` before it, or 0. */
  from: number;
  /** Offset just past its last line's line break: the start of the `---` line after it, or the end of the text. */
  end: number;
  /** Its first line, 1-based. */
  line: number;
}

/**
 * The documents of a YAML stream as `splitDocuments` reads them, by position:
 * the text between `---` lines. Replacing one span leaves the others and the
 * separators byte for byte.
 */
export function documentSpans(text: string): DocumentSpan[] {
  const spans: DocumentSpan[] = [];
  let from = 0;
  let first = 1;
  let line = 1;
  for (let at = 0; ; line++) {
    const nl = text.indexOf('\n', at);
    const next = nl < 0 ? text.length : nl + 1;
    if (at === text.length && nl < 0) {
      spans.push({ from, end: text.length, line: first });
      break;
    }
    if (/^---(\s|$)/.test(text.slice(at, next))) {
      spans.push({ from, end: at, line: first });
      from = next;
      first = line + 1;
    }
    at = next;
  }
  // Text before a first '---' that holds nothing (or only comments) is not a document a reader would count.
  if (spans.length > 1 && isBlank(text.slice(spans[0]!.from, spans[0]!.end))) spans.shift();
  return spans;
}

function isBlank(text: string): boolean {
  return text.split('\n').every((l) => l.trim() === '' || l.trimStart().startsWith('#'));
}

function parseDocument(text: string, src: ManifestSource, json: boolean): unknown {
  try {
    if (json) return JSON.parse(text);
    return yaml.load(text, { schema: SCHEMA, filename: src.file });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const line = src.line + (err.mark?.line ?? 0);
      throw new ManifestError(`error parsing ${src.file}: document ${src.document}, line ${line}: ${err.reason}`);
    }
    if (err instanceof SyntaxError) {
      const pos = /position (\d+)/.exec(err.message);
      const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : src.line;
      throw new ManifestError(`error parsing ${src.file}: document ${src.document}, line ${line}: ${err.message}`);
    }
    throw err;
  }
}

// YAML aliases share one node among many places, so a few lines can stand for
// billions of values once written out as JSON ("billion laughs"). Count the
// values as JSON would write them, and refuse absurd depths, before anything
// serialises the document.
const MAX_EXPANDED_VALUES = 1_000_000;
const MAX_DEPTH = 1_000;

function checkExpandedSize(value: unknown, src: ManifestSource): void {
  let count = 0;
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (++count > MAX_EXPANDED_VALUES) {
      throw new ManifestError(`${src.file}: document ${src.document} (line ${src.line}): expands to more than ${MAX_EXPANDED_VALUES} values (YAML aliases?); refusing it`);
    }
    if (depth > MAX_DEPTH) throw new ManifestError(`${src.file}: document ${src.document} (line ${src.line}): nested more than ${MAX_DEPTH} levels deep`);
    // Values JSON cannot carry: kubectl refuses .inf and .nan too; a huge integer would lose digits.
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new ManifestError(`${src.file}: document ${src.document} (line ${src.line}): ${v} (.inf or .nan) cannot be written as JSON; quote it if it is meant as a string`);
    }
    if (typeof v === 'bigint') {
      throw new ManifestError(`${src.file}: document ${src.document} (line ${src.line}): the integer ${v} is too large to send exactly; quote it if it is meant as a string`);
    }
    if (Array.isArray(v)) for (const x of v) stack.push({ v: x, depth: depth + 1 });
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push({ v: x, depth: depth + 1 });
  }
}

function unpack(value: unknown, src: ManifestSource): KubeObject[] {
  const where = `${src.file}: document ${src.document} (line ${src.line})`;
  if (!isMapping(value)) throw new ManifestError(`${where}: expected a Kubernetes object (a mapping), got ${describe(value)}`);
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    return value.items.map((item, j) => checkObject(item, `${where}, item ${j + 1}`));
  }
  return [checkObject(value, where)];
}

function checkObject(value: unknown, where: string): KubeObject {
  if (!isMapping(value)) throw new ManifestError(`${where}: expected a Kubernetes object (a mapping), got ${describe(value)}`);
  const problems: string[] = [];
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') problems.push("'apiVersion' is missing");
  if (typeof value.kind !== 'string' || value.kind === '') problems.push("'kind' is missing");
  const meta = value.metadata;
  if (meta !== undefined && !isMapping(meta)) problems.push("'metadata' must be a mapping");
  const name = isMapping(meta) ? meta.name : undefined;
  if (typeof name !== 'string' || name === '') {
    problems.push(isMapping(meta) && meta.generateName ? "'metadata.generateName' cannot be applied: set 'metadata.name'" : "'metadata.name' is missing");
  }
  if (isMapping(meta) && meta.namespace !== undefined && typeof meta.namespace !== 'string') problems.push("'metadata.namespace' must be a string");
  if (problems.length === 0) problems.push(...nameProblems(value.apiVersion as string, value.kind as string, meta as Record<string, unknown>));
  if (problems.length > 0) throw new ManifestError(`${where}: ${problems.join('; ')}`);
  return value as KubeObject;
}

/** Names no API server would take; checked here so the error names the file, and nothing is sent. */
function nameProblems(apiVersion: string, kind: string, meta: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const name = meta.name as string;
  const badName = objectNameProblem(apiVersion, kind, name);
  if (badName) problems.push(`'metadata.name' ${JSON.stringify(name)} is invalid: ${badName}`);
  if (typeof meta.namespace === 'string' && meta.namespace !== '') {
    const badNamespace = namespaceProblem(meta.namespace);
    if (badNamespace) problems.push(`'metadata.namespace' ${JSON.stringify(meta.namespace)} is invalid: ${badNamespace}`);
  }
  return problems;
}

function rejectDuplicates(objects: KubeObject[]): void {
  const seen = new Map<string, KubeObject>();
  for (const obj of objects) {
    const key = keyOf({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    const first = seen.get(key);
    if (first) {
      const a = sourceOf(first);
      const b = sourceOf(obj);
      throw new ManifestError(
        `${subjectOf({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name! })} is defined twice: ` +
          `${a ? describeSource(a) : '?'} and ${b ? describeSource(b) : '?'}`,
      );
    }
    seen.set(key, obj);
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a sequence';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  return typeof v;
}

/**
 * A set of manifests that holds no object is refused, as kubectl refuses it
 * ("no objects passed to apply"): a wrong path, an empty file or a commit that
 * moved the files would otherwise, with prune, delete every object of the app.
 * `where` names what was read: the files, or the path and commit.
 */
export function assertNotEmpty(objects: KubeObject[], o: { verb: string; where: string; app: string; allowEmpty?: boolean }): void {
  if (objects.length > 0 || o.allowEmpty) return;
  throw new ManifestError(
    `no objects passed to ${o.verb}: ${o.where} holds no manifests`,
    `with prune, an empty set deletes every object of app ${o.app}; pass --allow-empty if that is what you mean`,
    ExitCode.USAGE,
  );
}

/** The directory name the default app name is taken from: the first -f path's directory (or the path itself if a directory). */
export async function appDirName(paths: string[]): Promise<string> {
  const first = paths.find((p) => p !== '-');
  if (!first) return basename(process.cwd());
  const dir = statSync(first, { throwIfNoEntry: false })?.isDirectory() ? first : join(first, '..');
  return basename(join(process.cwd(), dir));
}
