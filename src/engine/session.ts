// What apply and diff do before planning: read the manifests (a bad file stops
// here, before any connection), settle the app name, connect.
import { connect, type ConnectOptions } from '../kube/connect.js';
import type { Kube, KubeObject } from '../kube/types.js';
import { UsageError } from './errors.js';
import { appNameFrom, validateAppName } from './inventory.js';
import { appDirName, assertNotEmpty, loadManifests } from './manifests.js';

export interface SessionSource {
  filename: string[];
  recursive?: boolean;
  /** --app; else the name of the first -f path's directory. */
  app?: string;
  /** The command, for messages: 'apply', 'diff'. */
  verb: string;
  /** --allow-empty: manifests holding no object are accepted. */
  allowEmpty?: boolean;
}

export interface Session {
  kube: Kube;
  objects: KubeObject[];
  app: string;
}

export async function openSession(conn: ConnectOptions, src: SessionSource): Promise<Session> {
  const app = src.app ?? appNameFrom(await appDirName(src.filename));
  const invalid = validateAppName(app);
  if (invalid) throw new UsageError(invalid, src.app ? undefined : 'pass --app NAME');
  const objects = await loadManifests(src.filename, { recursive: src.recursive });
  const where = src.filename.map((p) => (p === '-' ? 'stdin' : JSON.stringify(p))).join(', ');
  assertNotEmpty(objects, { verb: src.verb, where, app, allowEmpty: src.allowEmpty });
  const kube = await connect(conn);
  return { kube, objects, app };
}
