// Container images in pod templates: where each workload kind keeps its pod
// spec, which containers it has, and whether an image reference is well formed.
import type { KubeObject } from '../kube/types.js';
import { extractOwned } from './extract.js';

/** Path from the object to its PodSpec, per kind (kubectl's UpdatePodSpecForObject). */
export const POD_SPEC_PATH: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function hasPodTemplate(kind: string): boolean {
  return kind in POD_SPEC_PATH;
}

export interface Container {
  name: string;
  image?: string;
  [field: string]: unknown;
}

export interface PodSpecContainers {
  initContainers?: Container[];
  containers?: Container[];
}

/** The object's PodSpec (a live reference into `obj`), or undefined for kinds without one. */
export function podSpecOf(obj: KubeObject): PodSpecContainers | undefined {
  const path = POD_SPEC_PATH[obj.kind];
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return typeof cur === 'object' && cur !== null ? (cur as PodSpecContainers) : undefined;
}

/** Creates the path to the PodSpec in `obj` when missing, and returns it. */
export function ensurePodSpec(obj: KubeObject): PodSpecContainers {
  const path = POD_SPEC_PATH[obj.kind];
  if (!path) throw new Error(`${obj.kind} has no pod template`);
  let cur = obj as Record<string, unknown>;
  for (const seg of path) {
    if (typeof cur[seg] !== 'object' || cur[seg] === null) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  return cur as PodSpecContainers;
}

export interface ImageChange {
  container: string;
  initContainer: boolean;
  from: string;
  to: string;
}

/**
 * Which containers `requested` (container name or `*` -> image) changes in
 * `obj`, and which requested names match no container. Init containers count,
 * as in `kubectl set image`.
 */
export function resolveImageChanges(
  obj: KubeObject,
  requested: ReadonlyMap<string, string>,
): { changes: ImageChange[]; unknown: string[] } {
  const spec = podSpecOf(obj) ?? {};
  const all = [
    ...(spec.initContainers ?? []).map((c) => ({ c, initContainer: true })),
    ...(spec.containers ?? []).map((c) => ({ c, initContainer: false })),
  ];
  const changes: ImageChange[] = [];
  const unknown: string[] = [];
  for (const [name, image] of requested) {
    const matched = all.filter(({ c }) => name === '*' || c.name === name);
    if (matched.length === 0) unknown.push(name);
    for (const { c, initContainer } of matched) changes.push({ container: c.name, initContainer, from: c.image ?? '', to: image });
  }
  return { changes, unknown };
}

/** All container names of the object, init containers first, for error messages. */
export function containerNames(obj: KubeObject): string[] {
  const spec = podSpecOf(obj) ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name);
}

/**
 * Writes the image changes into `target`, adding `{name, image}` entries for
 * containers it does not list yet (as a server-side apply body would need).
 */
export function writeImages(target: KubeObject, changes: ImageChange[]): void {
  const spec = ensurePodSpec(target);
  for (const ch of changes) {
    const list = ch.initContainer ? (spec.initContainers ??= []) : (spec.containers ??= []);
    const existing = list.find((c) => c.name === ch.container);
    if (existing) existing.image = ch.to;
    else list.push({ name: ch.container, image: ch.to });
  }
}

// The grammar of github.com/distribution/reference, which the kubelet uses to
// parse images (ParseNormalizedNamed): a malformed one is accepted by the API
// server and becomes InvalidImageName on every node, so it is refused here.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** An image ID: docker runs it, the kubelet refuses it as a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;
/** The digest algorithms go-digest supports, by the length of their hex encoding. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Why `image` is not a valid image reference, or undefined when it is. */
export function imageReferenceProblem(image: string): string | undefined {
  if (image === '') return 'image reference is empty';
  if (/\s/.test(image)) return 'image reference contains whitespace';
  if (IMAGE_ID.test(image)) return 'a 64-character hexadecimal string is an image ID, not a repository name';
  const m = REFERENCE.exec(image);
  if (!m) {
    // Domains and tags may have capitals; only the repository path may not.
    if (REFERENCE.test(image.toLowerCase())) return 'repository name must be lowercase';
    return 'invalid reference format';
  }
  if (normalizedName(m[1]!).length > NAME_MAX) return `repository name must not be more than ${NAME_MAX} characters`;
  return m[3] === undefined ? undefined : digestProblem(m[3]);
}

/**
 * The name as the kubelet completes it: without a registry (a first component
 * with no '.', no ':', not localhost and all lower case), Docker Hub, with
 * `library/` for single-component names. The length limit applies to this.
 */
function normalizedName(name: string): string {
  const slash = name.indexOf('/');
  const first = name.slice(0, Math.max(slash, 0));
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (hasRegistry && first !== 'docker.io' && first !== 'index.docker.io') return name;
  const path = hasRegistry ? name.slice(slash + 1) : name;
  return `docker.io/${path.includes('/') ? '' : 'library/'}${path}`;
}

/** go-digest's checks: a supported algorithm, and lower-case hex of that algorithm's length. */
function digestProblem(digest: string): string | undefined {
  const [algorithm, hex] = digest.split(':') as [string, string];
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm "${algorithm}"; use sha256, sha384 or sha512`;
  if (hex.length !== length) return `invalid checksum digest length: ${algorithm} needs ${length} hex digits, got ${hex.length}`;
  if (!/^[a-f0-9]+$/.test(hex)) return 'invalid checksum digest format: hex digits must be lower case';
  return undefined;
}

/**
 * The server-side apply body that changes only these images: every field the
 * manager already owns in the live object (re-applying under a manager drops
 * what it leaves out), with the new images written in.
 */
export function imageApplyBody(live: KubeObject, changes: ImageChange[], manager: string): KubeObject {
  const body = extractOwned(live, manager);
  writeImages(body, changes);
  return body;
}
