// How `gdeploy history` reads: a table like `helm history`, newest first, or
// the records themselves as JSON/YAML.
import yaml from 'js-yaml';
import type { Pin, RevisionRecord } from '../engine/history.js';
import { renderTable } from '../ui/table.js';

export interface HistoryJSON {
  apiVersion: 'gdeploy.dev/v1alpha1';
  kind: 'History';
  app: string;
  namespace: string;
  pinned?: Pin;
  /** Newest first. */
  revisions: RevisionRecord[];
}

export function historyDocument(app: string, namespace: string, revisions: RevisionRecord[], pin: Pin | undefined, format: 'json' | 'yaml'): string {
  const doc: HistoryJSON = { apiVersion: 'gdeploy.dev/v1alpha1', kind: 'History', app, namespace, revisions };
  if (pin) doc.pinned = pin;
  return format === 'json' ? JSON.stringify(doc, null, 2) : yaml.dump(doc, { lineWidth: -1, noRefs: true }).trimEnd();
}

export function historyTable(revisions: RevisionRecord[]): string {
  return renderTable(
    ['REVISION', 'UPDATED', 'STATUS', 'ACTION', 'COMMIT', 'BY', 'DESCRIPTION'],
    revisions.map((r) => [
      String(r.number),
      r.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
      r.result,
      r.rollbackTo === undefined ? r.action : `${r.action} to ${r.rollbackTo}`,
      shortRevision(r),
      r.by,
      describe(r),
    ]),
  );
}

export function pinLine(pin: Pin, repository?: string): string {
  return `${pinnedAt(pin)}: syncs leave ${pin.branch} head ${shortSha(pin.fromHead)} undeployed until a new commit lands on ${pin.branch} or ${unpinCommand(repository)} runs`;
}

/** `pinned by revision 3 at 3f2a9c1d4b5e` */
export function pinnedAt(pin: Pin): string {
  return `pinned by revision ${pin.number} at ${shortSha(pin.sha)}`;
}

/** The command that ends a pin, with the repository when it is known (sync needs it). */
export function unpinCommand(repository?: string): string {
  return `'gdeploy sync --repo ${repository ?? 'URL'} --unpin'`;
}

/** `main@sha1:3f2a9c1d4b5e`: long enough to be unique and to paste into `rollback`. */
function shortRevision(r: RevisionRecord): string {
  if (r.sha === undefined) return '-';
  const name = r.branch ?? (r.ref !== r.sha ? r.ref : undefined);
  return `${name ? `${name}@` : ''}sha1:${shortSha(r.sha)}`;
}

function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

function describe(r: RevisionRecord): string {
  if (r.drift) return `drift corrected: ${r.drift.join('; ')}`;
  const parts = [r.message ?? ''];
  if (r.notInGit) parts.push('(not in git: the next sync puts it back)');
  if (r.reason && r.result !== 'succeeded') parts.push(`(${r.reason.split('\n')[0]})`);
  return parts.filter((p) => p !== '').join(' ');
}
