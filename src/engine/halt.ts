// How a halted deploy (SIGINT, SIGTERM) describes itself: per object, in the
// change set ("not applied: interrupted by SIGINT"), and in one line for the
// history and the terminal.
import type { ChangeSet } from './changeset.js';

/** "interrupted by SIGINT": the halt's reason, as set by whoever fired it. */
export function haltReason(halt: AbortSignal): string {
  const r: unknown = halt.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'interrupted';
}

/** Why a halted deploy left an object alone: "not applied: interrupted by SIGINT". */
export function notDone(halt: AbortSignal, verb: 'applied' | 'pruned' = 'applied'): string {
  return `not ${verb}: ${haltReason(halt)}`;
}

/** "interrupted by SIGINT: 120 objects written, 180 left for the next run". */
export function interruptedSummary(cs: ChangeSet, why: string): string {
  const written = cs.changes.filter((c) => c.action === 'created' || c.action === 'configured' || c.action === 'pruned').length;
  const left = cs.changes.filter((c) => c.action === 'skipped' && c.error?.endsWith(`: ${why}`)).length;
  const objects = (n: number) => `${n} object${n === 1 ? '' : 's'}`;
  return `${why}: ${objects(written)} written, ${objects(left)} left for the next run`;
}

/** The one line a history record keeps of a halted deploy: the summary and the first error, not hundreds. */
export function interruptedReason(cs: ChangeSet, why: string, errors: string[]): string {
  const more = errors.length > 1 ? `; and ${errors.length - 1} more error${errors.length === 2 ? '' : 's'}` : '';
  return [interruptedSummary(cs, why), ...errors.slice(0, 1)].join('; ') + more;
}
