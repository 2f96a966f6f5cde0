// The simulated image registry: which images pull, which crash, which crash
// once Ready, which never become ready.
//
// Rules file (`imagesFile`, JSON or YAML):
//
//   missing: ["registry.example.com/app:v2", "*:broken"]   # no such image: ErrImagePull, then ImagePullBackOff
//   crash: ["example/crasher:*"]                          # starts, exits with code 1: CrashLoopBackOff
//   crashAfterReady: ["example/flaky:*"]                  # becomes Ready, then logs a fatal line and exits 1
//   crashAfterReadyMs: 3000                               # how long it serves first, each run (default 3000)
//   neverReady: ["example/slow:*"]                        # runs, never passes readiness
//   pullDelayMs: 50                                       # how long each pull takes (default 50)
//
// A pattern is an image reference in which `*` stands for any run of
// characters; it is compared with the image as written and in its full form
// (`nginx` is also `docker.io/library/nginx:latest`). Every other image pulls
// and runs. Images on a registry host that ends in `.invalid` (e.g.
// `registry.invalid/app:v2`) never pull, whatever the rules say. The same
// rules can be changed at run time (ImageRegistry.setRule, or the admin
// endpoint POST /sandbox/admin/images).
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { hex64 } from './hash.js';

export type ImageBehaviour = 'ok' | 'missing' | 'crash' | 'crashAfterReady' | 'neverReady';
/** What happens to a container of an image: `unresolvable` is a `.invalid` host. */
export type ImageOutcome = ImageBehaviour | 'unresolvable';

export interface ImageRules {
  missing?: string[];
  crash?: string[];
  crashAfterReady?: string[];
  neverReady?: string[];
  pullDelayMs?: number;
  crashAfterReadyMs?: number;
}

const DEFAULT_PULL_DELAY_MS = 50;
const DEFAULT_CRASH_AFTER_READY_MS = 3000;

function globToRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/** `nginx` -> `docker.io/library/nginx:latest`, as containerd names images. */
export function normalizeImage(image: string): string {
  const [ref, digest] = image.split('@') as [string, string | undefined];
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  let name = hasHost ? ref : `docker.io/${slash < 0 ? 'library/' : ''}${ref}`;
  const lastSlash = name.lastIndexOf('/');
  if (!digest && !name.slice(lastSlash + 1).includes(':')) name += ':latest';
  return digest ? `${name}@${digest}` : name;
}

function registryHost(image: string): string {
  return normalizeImage(image).split('/')[0]!;
}

export class ImageRegistry {
  private rules: { pattern: string; re: RegExp; behaviour: ImageBehaviour }[] = [];
  pullDelayMs = DEFAULT_PULL_DELAY_MS;
  /** How long a container of a `crashAfterReady` image is Ready before it exits, each run. */
  crashAfterReadyMs = DEFAULT_CRASH_AFTER_READY_MS;

  constructor(rules: ImageRules = {}) {
    this.load(rules);
  }

  static fromFile(path: string): ImageRegistry {
    const parsed = yaml.load(readFileSync(path, 'utf8')) ?? {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: expected a mapping of image rules`);
    return new ImageRegistry(parsed as ImageRules);
  }

  /** Adds the rules of a file's shape on top of the current ones. */
  load(rules: ImageRules): void {
    for (const p of rules.missing ?? []) this.setRule(p, 'missing');
    for (const p of rules.crash ?? []) this.setRule(p, 'crash');
    for (const p of rules.crashAfterReady ?? []) this.setRule(p, 'crashAfterReady');
    for (const p of rules.neverReady ?? []) this.setRule(p, 'neverReady');
    if (rules.pullDelayMs !== undefined) this.pullDelayMs = rules.pullDelayMs;
    if (rules.crashAfterReadyMs !== undefined) this.crashAfterReadyMs = rules.crashAfterReadyMs;
  }

  /** The latest rule for a pattern wins; `ok` makes matching images pull and run again. */
  setRule(pattern: string, behaviour: ImageBehaviour): void {
    this.rules = this.rules.filter((r) => r.pattern !== pattern);
    this.rules.push({ pattern, re: globToRegExp(pattern), behaviour });
  }

  clearRules(): void {
    this.rules = [];
    this.pullDelayMs = DEFAULT_PULL_DELAY_MS;
    this.crashAfterReadyMs = DEFAULT_CRASH_AFTER_READY_MS;
  }

  listRules(): ImageRules {
    const out: Required<ImageRules> = {
      missing: [],
      crash: [],
      crashAfterReady: [],
      neverReady: [],
      pullDelayMs: this.pullDelayMs,
      crashAfterReadyMs: this.crashAfterReadyMs,
    };
    for (const r of this.rules) if (r.behaviour !== 'ok') out[r.behaviour].push(r.pattern);
    return out;
  }

  outcome(image: string): ImageOutcome {
    if (registryHost(image).replace(/:\d+$/, '').endsWith('.invalid')) return 'unresolvable';
    const full = normalizeImage(image);
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i]!;
      if (r.re.test(image) || r.re.test(full)) return r.behaviour;
    }
    return 'ok';
  }

  /** The message containerd gives the kubelet for a failed pull. */
  pullError(image: string): string {
    const full = normalizeImage(image);
    const prefix = `failed to pull and unpack image "${full}": failed to resolve reference "${full}"`;
    if (this.outcome(image) === 'unresolvable') {
      const host = registryHost(image);
      const [path, tag] = splitRef(full.slice(host.length + 1));
      return `rpc error: code = Unknown desc = ${prefix}: failed to do request: Head "https://${host}/v2/${path}/manifests/${tag}": dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
    }
    return `rpc error: code = NotFound desc = ${prefix}: ${full}: not found`;
  }

  /** `docker.io/library/nginx@sha256:...`, the imageID the kubelet reports. */
  imageID(image: string): string {
    const full = normalizeImage(image);
    const at = full.indexOf('@');
    if (at >= 0) return full;
    return `${full.slice(0, full.lastIndexOf(':'))}@sha256:${hex64(full)}`;
  }

  /** A plausible compressed size, stable per image. */
  sizeBytes(image: string): number {
    return 20_000_000 + (parseInt(hex64(image).slice(0, 6), 16) % 80_000_000);
  }
}

function splitRef(pathAndTag: string): [string, string] {
  const at = pathAndTag.indexOf('@');
  if (at >= 0) return [pathAndTag.slice(0, at), pathAndTag.slice(at + 1)];
  const colon = pathAndTag.lastIndexOf(':');
  return [pathAndTag.slice(0, colon), pathAndTag.slice(colon + 1)];
}
