// Deciding "unchanged" without asking the server. Server-side apply of a
// configuration by a manager that already owns exactly the fields the
// configuration sets, all holding exactly the values it sets, changes nothing:
// no field is added, none is released, no value moves, so no conflict can
// arise either. When the live object says so (its managedFields and values),
// the dry run is skipped; in every other case (another field set, another
// value, a value the server would normalise, fields recorded under another
// API version) the plan falls back to the dry run, so the shortcut can only
// make a plan faster, never different. For a deploy where little changed this
// turns one request per object into one LIST per kind.
import type { KubeObject } from '../kube/types.js';
import { appliedEntries, extractOwned } from './extract.js';
import { deepEqual } from './normalize.js';

export function applyIsNoop(live: KubeObject, desired: KubeObject, manager: string): boolean {
  const entries = appliedEntries(live, manager);
  if (entries.length !== 1 || entries[0]!.apiVersion !== desired.apiVersion) return false;
  return deepEqual(extractOwned(live, manager), desired);
}
