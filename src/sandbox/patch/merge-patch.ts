// JSON merge patch (RFC 7386): objects merge recursively, null deletes, and
// anything else, arrays included, replaces.
import { isObject, own, setField } from './json.js';

export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else setField(out, key, jsonMergePatch(own(out, key), value));
  }
  return out;
}
