// How printed Tables word values, as k8s.io/apimachinery and kubectl's
// printers do: durations, label maps and selectors, and the JSONPath subset of
// CRD printer columns.

/** duration.HumanDuration: 5s, 119s, 3m2s, 12m, 5h3m, 10h, 3d4h, 20d, 2y30d. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: the age of a timestamp at `now`, or <unknown> without one. */
export function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** labels.FormatLabels: k=v pairs sorted by key, or <none>. */
export function formatLabels(labels: unknown): string {
  const entries = Object.entries(asRecord(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

/** metav1.FormatLabelSelector: app=web,tier in (a,b),!legacy, or <none>. */
export function formatLabelSelector(selector: unknown): string {
  if (selector === undefined || selector === null) return '<none>';
  const sel = asRecord(selector);
  const parts = Object.entries(asRecord(sel.matchLabels))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`);
  for (const e of asArray(sel.matchExpressions).map(asRecord)) {
    const key = String(e.key);
    const values = asArray(e.values).map(String);
    switch (e.operator) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  const s = parts.join(',');
  return s === '' ? '<none>' : s;
}

// Accessors for unstructured objects: a missing or mistyped field reads as empty.

export type Rec = Record<string, unknown>;

export function asRecord(v: unknown): Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {};
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * The JSONPath subset CRD printer columns use: `.a.b`, `.a[0]`, `.a[*]`,
 * and `.a[?(@.type=="Ready")].status`.
 */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  const re = /\.([A-Za-z0-9_$-]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]/gy;
  const src = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (re.lastIndex < src.length && (m = re.exec(src)) !== null) {
    const [, field, index, filterKey, filterValue] = m;
    const next: unknown[] = [];
    for (const v of current) {
      if (field !== undefined) {
        const r = asRecord(v);
        if (field in r) next.push(r[field]);
      } else if (index !== undefined) {
        const arr = asArray(v);
        if (index === '*') next.push(...arr);
        else if (Number(index) < arr.length) next.push(arr[Number(index)]);
      } else if (filterKey !== undefined) {
        for (const item of asArray(v)) {
          let probe: unknown = item;
          for (const k of filterKey.split('.')) probe = asRecord(probe)[k];
          if (String(probe) === filterValue) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}
