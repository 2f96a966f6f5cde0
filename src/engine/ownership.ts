// Which app an object belongs to: the app whose inventory lists it (the app
// label says where to look; the inventory decides). Commands that change
// objects by hand (set-image) use it to tell whether git will put the change
// back, and to record the change in that app's history.
import type { Kube, KubeObject } from '../kube/types.js';
import { keyOf, refOf } from './changeset.js';
import { historyFrom, lastDeployment, recordRevision, type AppHistory, type RevisionRecord, type RevisionResult } from './history.js';
import { subjectOf } from './changeset.js';
import { APP_LABEL, inventoryFromConfigMap, inventoryRef } from './inventory.js';

export interface OwningApp {
  app: string;
  /** Where its inventory and history live. */
  namespace: string;
  /** The given objects it lists. */
  objects: KubeObject[];
  /** Its last revision when that came from git (sync, rollback, a drift correction): the next sync deploys that source again. */
  followsGit?: Pick<RevisionRecord, 'source' | 'branch' | 'ref' | 'path' | 'revision'>;
}

const GIT_ACTIONS = new Set(['sync', 'rollback', 'drift']);

export async function owningApps(kube: Kube, objects: KubeObject[], signal?: AbortSignal): Promise<OwningApp[]> {
  const byApp = new Map<string, OwningApp>();
  const listed = new Map<string, Set<string>>();
  for (const obj of objects) {
    const app = obj.metadata.labels?.[APP_LABEL];
    if (!app) continue;
    // The inventory lives in the namespace the app was deployed with: the object's own, or the command's.
    for (const namespace of new Set([obj.metadata.namespace ?? kube.namespace, kube.namespace])) {
      const key = `${namespace}/${app}`;
      if (!listed.has(key)) {
        // Inventory and history are keys of one ConfigMap: one read for both.
        const record = await kube.find(inventoryRef(app, namespace), { signal });
        listed.set(key, new Set(record ? inventoryFromConfigMap(record, app, namespace).objects.map(keyOf) : []));
        if (record) byApp.set(key, { app, namespace, objects: [], ...gitSource(historyFrom(record)) });
      }
      if (listed.get(key)!.has(keyOf(refOf(obj)))) {
        byApp.get(key)!.objects.push(obj);
        break;
      }
    }
  }
  return [...byApp.values()].filter((o) => o.objects.length > 0);
}

function gitSource(history: AppHistory): Pick<OwningApp, 'followsGit'> {
  const last = lastDeployment(history);
  if (!last || !GIT_ACTIONS.has(last.action) || last.source === undefined) return {};
  return { followsGit: { source: last.source, branch: last.branch, ref: last.ref, path: last.path, revision: last.revision } };
}

/** What set-image and edit say before they write to an app that follows git. */
export function notInGitMessage(o: OwningApp, objects: KubeObject[] = o.objects): string {
  const g = o.followsGit!;
  const where = [g.branch ? `branch ${g.branch}` : g.ref ? `ref ${g.ref}` : undefined, g.path ? `path ${g.path}` : undefined].filter(Boolean).join(', ');
  const names = objects.map((x) => `${x.kind.toLowerCase()}/${x.metadata.name}`).join(', ');
  return `${names} belongs to app ${o.app}, which follows ${g.source}${where ? ` (${where})` : ''}: this change is not in git, and the next sync of ${o.app} puts it back unless it is committed there`;
}

/**
 * A change made in the cluster by hand (set-image, edit) as a revision of the
 * app it belongs to: what changed, how it ended, and whether git has it.
 */
export async function recordManualChange(
  kube: Kube,
  o: OwningApp,
  change: { action: 'set-image' | 'edit'; result: RevisionResult; what: string; reason?: string; objects: KubeObject[] },
): Promise<void> {
  await recordRevision(kube, o.app, o.namespace, {
    action: change.action,
    result: change.result,
    message: change.what,
    ...(change.reason ? { reason: change.reason.split('\n')[0] } : {}),
    ...(o.followsGit ? { notInGit: true, source: o.followsGit.source, branch: o.followsGit.branch, path: o.followsGit.path } : {}),
    inventory: change.objects.map((x) => subjectOf(refOf(x))),
  });
}
