// How `gdeploy status` reads: one row per app per cluster, as `argocd app
// list` and `flux get kustomizations` show theirs, or the statuses themselves
// as JSON/YAML.
import yaml from 'js-yaml';
import { age } from '../ui/age.js';
import { renderTable } from '../ui/table.js';
import type { AppStatus, SyncStatus } from './status.js';

/** A cluster that could not be read: the others are listed all the same. */
export interface ClusterFailure {
  cluster: string;
  namespace?: string;
  error: string;
}

export interface StatusJSON {
  apiVersion: 'gdeploy.dev/v1alpha1';
  kind: 'Status';
  apps: AppStatus[];
  /** Clusters that could not be read; absent when every one was. */
  failed?: ClusterFailure[];
}

export function statusDocument(apps: AppStatus[], failed: ClusterFailure[], format: 'json' | 'yaml'): string {
  const doc: StatusJSON = { apiVersion: 'gdeploy.dev/v1alpha1', kind: 'Status', apps, ...(failed.length > 0 ? { failed } : {}) };
  return format === 'json' ? JSON.stringify(doc, null, 2) : yaml.dump(doc, { lineWidth: -1, noRefs: true }).trimEnd();
}

export const STATUS_HEADERS = ['APP', 'NAMESPACE', 'CLUSTER', 'REVISION', 'SYNC', 'HEALTH', 'UPDATED', 'MESSAGE'];

export function statusTable(apps: AppStatus[], failed: ClusterFailure[], now = Date.now()): string {
  const rows = apps.map((s) => [
    s.app,
    s.namespace,
    s.cluster || '-',
    revisionText(s),
    syncText(s.sync),
    s.health.status,
    age(s.updated, now),
    oneLine(s.message),
  ]);
  for (const f of failed) rows.push(['-', f.namespace ?? '-', f.cluster || '-', '-', 'Unknown', 'Unknown', '-', oneLine(`cannot read the cluster: ${f.error}`)]);
  return renderTable(STATUS_HEADERS, rows);
}

/** `main@3f2a9c1` for an app from git (`main@3f2a9c1 (2 behind)` when main moved on); the files for one applied from files. */
export function revisionText(s: Pick<AppStatus, 'source' | 'upstream'>): string {
  const src = s.source;
  if (src === undefined) return '-';
  if (src.kind === 'files') return src.files;
  const short = src.sha.slice(0, 7);
  const behind = s.upstream?.sha === undefined ? '' : s.upstream.rewritten ? ' (rewritten)' : ` (${s.upstream.behind} behind)`;
  return `${src.ref ? `${src.ref}@${short}` : short}${behind}`;
}

/** `Synced`, `OutOfSync (2)`, `Pinned`, `Pinned, OutOfSync (1)`, `Unknown (not from git)`. */
export function syncText(s: SyncStatus): string {
  const parts = s.pinned ? ['Pinned'] : [];
  if (s.status === 'OutOfSync') parts.push(`OutOfSync (${s.objects?.length ?? 0})`);
  else if (s.status === 'Unknown') parts.push(s.unknown === 'not from git' || s.unknown === 'no revision' ? `Unknown (${s.unknown})` : 'Unknown');
  else if (!s.pinned) parts.push('Synced');
  return parts.join(', ');
}

function oneLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!;
}
