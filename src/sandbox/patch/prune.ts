// Pruning for server-side apply: what an applier stops applying leaves the
// object, as structured-merge-diff's Updater.prune does it (remove everything
// the applier had, add back what anyone owns, then keep what was never the
// applier's).
import type { FieldSet } from './fieldset.js';
import type { Schema } from './schema.js';
import { ensureNamedFieldsAreMembers, removeItems, toFieldSet } from './typed.js';

/**
 * Removes from `merged` the fields the applier owned before (`last`) and that
 * nobody owns now (`owned`: the other managers' fields and the new applied
 * configuration). A removed struct or list item goes with everything in it.
 */
export function prune(merged: unknown, last: FieldSet, owned: FieldSet, root: Schema): unknown {
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, root);
  const setOf = (v: unknown) => named(toFieldSet(v, root));
  const lastSet = named(last);
  const mergedSet = setOf(merged);
  // Remove all the applier had, then add back what someone owns ...
  const withoutLast = setOf(removeItems(merged, lastSet, root));
  const ownedOnly = removeItems(merged, mergedSet.difference(withoutLast.union(named(owned))), root);
  // ... and what nobody owned before either: only the applier's former fields go.
  return removeItems(merged, mergedSet.difference(setOf(ownedOnly)).intersection(lastSet), root);
}
