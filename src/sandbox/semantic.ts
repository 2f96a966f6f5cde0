// Value equality as the API server's registry and the controllers judge it
// (apiequality.Semantic.DeepEqual): by content, whatever the key order a
// client or a patch left behind.

/** JSON with sorted keys: equal values always give the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isBlank(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** `v` without the members a Go struct cannot tell from absent: null, empty lists and empty objects. */
function typedView(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(typedView);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const t = typedView(x);
    if (!isBlank(t)) out[k] = t;
  }
  return out;
}

/**
 * Equal by content. `typed` compares as decoded Go structs do, where a nil and
 * an empty map or slice are the same; without it, as unstructured content (a
 * custom resource), where a key holding `{}` differs from no key.
 */
export function semanticEqual(a: unknown, b: unknown, typed: boolean): boolean {
  if (typed) return canonicalJson(typedView(a) ?? null) === canonicalJson(typedView(b) ?? null);
  return canonicalJson(a) === canonicalJson(b);
}
