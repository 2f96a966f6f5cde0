// Whether a rollback's pin still holds for the commit a sync found. The pin
// keeps the app on the rolled-back commit only while the branch still points
// at the head it was rolled back from: the first new commit is a new decision
// by whoever pushed it, and deploys.
import type { Pin } from '../engine/history.js';
import type { ResolvedCommit } from '../git/index.js';

export type PinDecision =
  | { kind: 'none' }
  | { kind: 'pinned'; pin: Pin }
  | { kind: 'released'; pin: Pin; why: 'new-commit' | 'unpin' | 'other-ref' };

export function decidePin(pin: Pin | undefined, head: ResolvedCommit, unpin: boolean): PinDecision {
  if (pin === undefined) return { kind: 'none' };
  if (unpin) return { kind: 'released', pin, why: 'unpin' };
  // Syncing another branch or an explicit --ref is a deliberate choice, not the head the pin guards against.
  if (head.branch === pin.branch && head.ref === undefined && head.sha === pin.fromHead) return { kind: 'pinned', pin };
  if (head.branch === pin.branch && head.ref === undefined) return { kind: 'released', pin, why: 'new-commit' };
  return { kind: 'released', pin, why: 'other-ref' };
}
