// Drift, said in terms a person on call can act on: which fields of an object
// differ from what git says, their live and desired values, and the field
// manager that changed them (kubectl-set, kubectl-edit, a controller), read
// from the live object's managedFields as the API server recorded them.
import type { KubeObject } from '../kube/types.js';
import type { Change } from './changeset.js';
import { comparable, deepEqual } from './normalize.js';

export interface DriftedField {
  /** `spec.template.spec.containers[web].image`: list items named by their `name`. */
  path: string;
  /** Rendered values; absent when the field is missing on that side. Secret values are masked. */
  live?: string;
  desired?: string;
  /** The field managers that own the field in the live object: who set the value git disagrees with. */
  managers: string[];
}

/** One step of a path: a field, or a list item with its name. */
type Step = { field: string } | { item: string };

const MAX_VALUE = 80;
const MASK = '***';

/**
 * The fields a change puts back: live (c.before) against what applying makes
 * of it (c.after), without server bookkeeping. Empty when there is nothing to
 * compare (a created object: it was deleted by hand).
 */
export function driftedFields(c: Change): DriftedField[] {
  if (!c.before || !c.after || c.action !== 'configured') return [];
  const out: DriftedField[] = [];
  const secret = c.before.kind === 'Secret' && c.before.apiVersion === 'v1';
  walk(comparable(c.before), comparable(c.after), [], (steps, live, desired) => {
    const masked = secret && steps.length > 0 && 'field' in steps[0]! && ['data', 'stringData'].includes(steps[0].field);
    out.push({
      path: pathString(steps),
      ...(live === undefined ? {} : { live: masked ? MASK : render(live) }),
      ...(desired === undefined ? {} : { desired: masked ? MASK : render(desired) }),
      managers: ownersOf(c.before!, steps),
    });
  });
  return out;
}

function walk(a: unknown, b: unknown, at: Step[], leaf: (steps: Step[], a: unknown, b: unknown) => void): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...at, { field: key }], leaf);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && byName(a) && byName(b)) {
    const index = (xs: unknown[]) => new Map(xs.map((x) => [(x as { name: string }).name, x]));
    const [ia, ib] = [index(a), index(b)];
    for (const name of new Set([...ia.keys(), ...ib.keys()])) walk(ia.get(name), ib.get(name), [...at, { item: name }], leaf);
    return;
  }
  leaf(at, a, b);
}

function byName(xs: unknown[]): boolean {
  return xs.every((x) => isRecord(x) && typeof x.name === 'string');
}

function pathString(steps: Step[]): string {
  return steps.map((s, i) => ('field' in s ? (i === 0 ? s.field : `.${s.field}`) : `[${s.item}]`)).join('');
}

function render(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}

/**
 * Managers whose managedFields entry holds the field (gdeploy's own when a
 * gdeploy set-image or apply wrote it), or an ancestor that
 * they own whole (an atomic map or list): fieldsV1 names fields `f:<name>`
 * and list items by their keys `k:{"name":"..."}`.
 */
function ownersOf(live: KubeObject, steps: Step[]): string[] {
  const owners = new Set<string>();
  for (const entry of live.metadata.managedFields ?? []) {
    if (!entry.manager || !entry.fieldsV1) continue;
    let node: unknown = entry.fieldsV1;
    for (const step of steps) {
      if (!isRecord(node)) break;
      const key = 'field' in step ? `f:${step.field}` : Object.keys(node).find((k) => k.startsWith('k:') && keyName(k) === step.item);
      const next = key === undefined ? undefined : node[key];
      if (next === undefined) {
        node = undefined;
        break;
      }
      node = next;
      // An empty set below a field: the manager owns the field whole.
      if (isRecord(node) && Object.keys(node).length === 0) break;
    }
    if (node !== undefined) owners.add(entry.manager);
  }
  return [...owners].sort();
}

function keyName(k: string): string | undefined {
  try {
    const key = JSON.parse(k.slice(2)) as { name?: unknown };
    return typeof key.name === 'string' ? key.name : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
