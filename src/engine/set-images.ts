// Changing container images with server-side apply, as field manager gdeploy,
// without losing anything else gdeploy applied: the body is every field
// gdeploy owns in the live object, with the new images written in.
import type { Kube, KubeObject } from '../kube/types.js';
import { refOf, subjectOf, type Change } from './changeset.js';
import { extractOwned } from './extract.js';
import { writeImages, type ImageChange } from './images.js';
import { comparable, deepEqual } from './normalize.js';
import { DEFAULT_FIELD_MANAGER } from './plan.js';

export interface SetImagesOptions {
  dryRun?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
}

/** The apply body that changes only these images. */
export function imageApplyBody(live: KubeObject, changes: ImageChange[], manager = DEFAULT_FIELD_MANAGER): KubeObject {
  const body = extractOwned(live, manager);
  writeImages(body, changes);
  return body;
}

/**
 * Applies image changes to one object. Conflicts are forced: naming the image
 * on the command line is the decision to take it over, as `kubectl set image`
 * overwrites it. Every other field in the body already has its live value, so
 * forcing changes nothing else.
 */
export async function setImages(kube: Kube, live: KubeObject, changes: ImageChange[], opts: SetImagesOptions = {}): Promise<Change> {
  const ref = refOf(live);
  const subject = subjectOf(ref);
  const manager = opts.fieldManager ?? DEFAULT_FIELD_MANAGER;
  const after = await kube.apply(imageApplyBody(live, changes, manager), {
    dryRun: opts.dryRun,
    force: true,
    fieldManager: manager,
    signal: opts.signal,
  });
  const withType = { ...after, apiVersion: after.apiVersion || live.apiVersion, kind: after.kind || live.kind };
  const action = deepEqual(comparable(live), comparable(withType)) ? 'unchanged' : 'configured';
  return { ref, subject, action, before: live, after: withType };
}
