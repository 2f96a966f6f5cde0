// Adoption and release (controller.ControllerRefManager): an owner keeps the
// objects it controls that still match its selector, adopts matching orphans,
// and lets go of controlled objects that no longer match. Candidates come
// from the cache and are never changed in place.
import type { KubeObject } from '../types.js';
import { controllerOf, controllerRefTo, isTerminating, labelsMatch, type LabelSelector } from './objects.js';
import type { Runtime } from './runtime.js';

export function claim<T extends KubeObject>(
  rt: Runtime,
  owner: KubeObject,
  selector: LabelSelector,
  candidates: T[],
  fieldManager: string,
): T[] {
  const uid = owner.metadata.uid;
  const owned: T[] = [];
  for (const obj of candidates) {
    const ref = controllerOf(obj);
    const matches = labelsMatch(selector, obj.metadata.labels);
    if (ref && ref.uid !== uid) continue;
    const res = rt.res(obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '', obj.kind);
    if (ref) {
      if (matches) {
        owned.push(obj);
      } else if (!isTerminating(obj)) {
        const released = structuredClone(obj);
        released.metadata.ownerReferences = obj.metadata.ownerReferences!.filter((r) => r.uid !== uid);
        rt.store.update(res, released, { fieldManager });
      }
      continue;
    }
    if (!matches || isTerminating(obj) || isTerminating(owner)) continue;
    const adopted = structuredClone(obj);
    adopted.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), controllerRefTo(owner)];
    owned.push(rt.store.update(res, adopted, { fieldManager }) as T);
  }
  return owned;
}
