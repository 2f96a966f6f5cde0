// Per-object unified YAML diffs of a change set, as `gdeploy diff` prints them.
// Secret values never reach the screen: maskSecrets is the one place that
// hides them, for every output format.
import { createTwoFilesPatch } from 'diff';
import yaml from 'js-yaml';
import type { KubeObject } from '../kube/types.js';
import { subjectOf, type Change } from '../engine/changeset.js';
import { comparable } from '../engine/normalize.js';
import { color } from './colors.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const MASK = '***';
/** Objects a pruned Namespace takes along that a diff names one by one. */
const CASCADE_SHOWN = 20;

/**
 * Hides the values of a Secret's data and stringData, keeping the keys, and
 * showing that a value changed ('*** (before)' / '*** (after)') without what
 * it was, as kubectl diff does for data. A Secret's last-applied-configuration
 * annotation holds the values in clear, so it is dropped. Other kinds pass
 * through untouched. Returns copies.
 */
export function maskSecrets(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const isSecret = (o: KubeObject | undefined): boolean => o?.kind === 'Secret' && o.apiVersion === 'v1';
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const b = before ? structuredClone(before) : undefined;
  const a = after ? structuredClone(after) : undefined;
  for (const field of ['data', 'stringData'] as const) {
    const bv = (b?.[field] ?? undefined) as Record<string, unknown> | undefined;
    const av = (a?.[field] ?? undefined) as Record<string, unknown> | undefined;
    for (const key of new Set([...Object.keys(bv ?? {}), ...Object.keys(av ?? {})])) {
      const changed = bv && av && key in bv && key in av && bv[key] !== av[key];
      if (bv && key in bv) bv[key] = changed ? `${MASK} (before)` : MASK;
      if (av && key in av) av[key] = changed ? `${MASK} (after)` : MASK;
    }
  }
  for (const o of [b, a]) {
    if (o?.metadata.annotations && LAST_APPLIED in o.metadata.annotations) {
      delete o.metadata.annotations[LAST_APPLIED];
      if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
    }
  }
  return [b, a];
}

export function toYAML(obj: KubeObject | undefined): string {
  if (!obj) return '';
  return yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/**
 * The unified diff of one change, uncoloured: live object (left) against what
 * the server would store (right), both without server bookkeeping; a prune
 * diffs against nothing. '' when there is nothing to show.
 */
export function changeDiff(c: Change): string {
  if (c.action === 'unchanged' || c.action === 'skipped' || c.action === 'failed') return '';
  const left = c.before && c.action !== 'created' ? comparable(c.before) : undefined;
  const right = c.action === 'pruned' ? undefined : c.after ? comparable(c.after) : undefined;
  const [b, a] = maskSecrets(left, right);
  const from = toYAML(b);
  const to = toYAML(a);
  if (from === to) return '';
  const patch = createTwoFilesPatch(`live/${c.subject}`, `merged/${c.subject}`, from, to, undefined, undefined, { context: 3 });
  // Drop the 'Index:'/'===' preamble the library writes; keep ---/+++ and the hunks.
  return patch
    .split('\n')
    .filter((l) => !l.startsWith('Index:') && !/^=+$/.test(l))
    .join('\n')
    .trimEnd();
}

/** A change's diff with a header naming the object and its action, coloured when colour is on. */
export function renderChangeDiff(c: Change): string {
  const body = changeDiff(c);
  if (!body) return '';
  const header = color.header(`${c.subject} (${c.action})`);
  const lines = body.split('\n').map((l) => {
    if (l.startsWith('+++') || l.startsWith('---')) return color.bold(l);
    if (l.startsWith('+')) return color.added(l);
    if (l.startsWith('-')) return color.removed(l);
    if (l.startsWith('@@')) return color.info(l);
    return l;
  });
  // A pruned Namespace takes its contents along: they are named (all of them in -o json), so nothing goes unseen.
  const cascade = c.cascade ?? [];
  const along = cascade.slice(0, CASCADE_SHOWN).map((r) => color.removed(`# deleted with ${c.subject}: ${subjectOf(r)}`));
  if (cascade.length > CASCADE_SHOWN) along.push(color.removed(`# deleted with ${c.subject}: ${cascade.length - CASCADE_SHOWN} more objects (-o json lists them)`));
  return [header, ...lines, ...along].join('\n');
}
