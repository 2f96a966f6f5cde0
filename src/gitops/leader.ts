// `sync --watch --leader-elect`: replicas of one app's watch elect a leader
// through the Lease `gdeploy-leader.<app>` in the app's namespace, held the
// way the app's lock is (src/engine/lock.ts) and with client-go's timings:
// valid 15 s, renewed every 5 s, given up when it could not be renewed for
// 10 s. Only the leader runs the watch; the others look at the Lease every
// 2 s and take it over once its holder stops renewing it. A leader that
// loses the Lease stops at once (a deploy in progress starts no further
// write) and stands by again.
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { durationFlag } from '../commands/shared.js';
import { acquireAppLock, lockRef, type AppLock } from '../engine/lock.js';
import { ExitCode, errorMessage } from '../engine/errors.js';
import type { Kube } from '../kube/types.js';
import type { WatchResult } from './watch.js';
import { postJSON } from './notify.js';
import { forwardedHeaders, hostPort, serveWebhooks, Wakeup, type ListenAddress } from './webhook.js';

export const LEADER_LEASE_SECONDS = 15;
/** How often a replica that stands by looks at the Lease (client-go's retry period). */
const RETRY_MS = 2_000;

/** The leader's webhook URL, on its Lease. */
export const HOOK_ANNOTATION = 'gdeploy.dev/webhook-url';

export function leaderLeaseName(app: string): string {
  return `gdeploy-leader.${app}`;
}

/** What stands for the app in the Lease's name of `sync --apps FILE`: `apps.<repository>.<file>`. */
export function fleetLeaseApp(repo: string, file: string): string {
  const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'x';
  return `apps.${label(repo)}.${label(file)}`.slice(0, 200);
}

export interface LeaderOptions {
  kube: Kube;
  app: string;
  namespace: string;
  /** How long the Lease stays valid without renewal (s). */
  leaseSeconds?: number;
  /** Ends the election: the Lease is handed back. */
  stop: AbortSignal;
  log: (line: string) => void;
  /** Where the leader takes webhooks, written on the Lease for the replicas that stand by. */
  hookUrl?: string;
}

/**
 * Runs `work` whenever this process leads, with a signal that fires on `stop`
 * or when the Lease is lost; after a loss it stands by again. Returns what
 * the last `work` returned, once `stop` fires or `work` ends on its own.
 */
export async function whileLeading<T>(o: LeaderOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const seconds = o.leaseSeconds ?? LEADER_LEASE_SECONDS;
  const name = leaderLeaseName(o.app);
  const where = `Lease ${o.namespace}/${name}`;
  const retryMs = Math.min(RETRY_MS, (seconds * 1000) / 3);
  let last: T | undefined;
  while (!o.stop.aborted) {
    let lease: AppLock;
    try {
      lease = await acquireAppLock(o.kube, {
        app: o.app,
        namespace: o.namespace,
        name,
        operation: 'sync --watch',
        waitMs: Infinity,
        leaseSeconds: seconds,
        pollMs: retryMs,
        signal: o.stop,
        annotations: o.hookUrl ? { [HOOK_ANNOTATION]: o.hookUrl } : undefined,
        onWait: (holder) => o.log(`standing by: ${holder.identity} leads (${where}); taking over if it stops renewing it`),
        onTakeover: (previous) => o.log(`${previous.identity} stopped renewing ${where}${previous.expires ? ` (expired ${previous.expires.toISOString()})` : ''}; taking over`),
      });
    } catch (err) {
      if (o.stop.aborted) break;
      o.log(`leader election: ${errorMessage(err)}; trying again in ${retryMs / 1000}s`);
      await sleep(retryMs, undefined, { signal: o.stop }).catch(() => undefined);
      continue;
    }
    o.log(`leading: ${lease.identity} holds ${where}`);
    try {
      last = await work(AbortSignal.any([o.stop, lease.lost]));
    } finally {
      await lease.release();
    }
    if (o.stop.aborted) break;
    if (!lease.lost.aborted) return last;
    o.log(`no longer leading: ${errorMessage(lease.lost.reason)}; stopped deploying, standing by`);
  }
  return last;
}

/** --leader-elect and its Lease's duration (s); problems naming the flags are appended to `problems`. */
export function checkLeaderFlags(flags: { watch: boolean; leaderElect: boolean; leaderLeaseDuration: string }, problems: string[]): number {
  if (flags.leaderElect && !flags.watch) problems.push('--leader-elect needs --watch: only a watch has replicas to elect a leader among');
  const ms = durationFlag('--leader-lease-duration', flags.leaderLeaseDuration, problems);
  if (ms > 0 && ms < 1000) problems.push(`invalid --leader-lease-duration "${flags.leaderLeaseDuration}": must be at least 1s`);
  return Math.ceil(ms / 1000);
}

export interface WatchHooks {
  kube: Kube;
  app: string;
  stop: AbortSignal;
  /** Says who leads and what webhooks did (stderr). */
  log: (line: string) => void;
  /** Serve webhooks there (--listen), with this secret. */
  listen?: ListenAddress;
  secret?: Buffer;
  leaderElect: boolean;
  leaseSeconds?: number;
}

/**
 * `sync --watch` with what goes around the loop: the webhook server that
 * wakes it, and the election that decides whether this replica runs it. A
 * replica that stands by passes webhook calls on to the leader (its Lease
 * says where), so that a Service in front of all replicas loses none.
 * Returns the exit code of the loop's last pass.
 */
export async function watchWithHooks(
  o: WatchHooks,
  run: (stop: AbortSignal, wake?: () => AbortSignal) => Promise<Pick<WatchResult, 'lastExitCode'>>,
): Promise<number> {
  const wakeup = new Wakeup();
  let leading = !o.leaderElect;
  const onNudge = (_kind: string, forwarded: boolean): string => {
    if (leading) {
      wakeup.nudge();
      return 'fetching now';
    }
    if (forwarded || !o.secret) return 'not leading; the leader fetches at its next poll';
    void forwardToLeader(o, o.secret);
    return 'passing it on to the leader';
  };
  const server = o.listen && o.secret ? await serveWebhooks({ ...o.listen, secret: o.secret, onNudge, log: o.log }) : undefined;
  if (server) o.log(`listening for webhooks on ${server.url}`);
  try {
    const wake = server && (() => wakeup.next());
    if (!o.leaderElect) return (await run(o.stop, wake)).lastExitCode;
    const hookUrl = server && o.listen ? reachableHookUrl(o.listen.host, server.port) : undefined;
    const election = { kube: o.kube, app: o.app, namespace: o.kube.namespace, leaseSeconds: o.leaseSeconds, stop: o.stop, log: o.log, hookUrl };
    const last = await whileLeading(election, async (signal) => {
      leading = true;
      try {
        return await run(signal, wake);
      } finally {
        leading = false;
      }
    });
    return last?.lastExitCode ?? ExitCode.OK;
  } finally {
    await server?.close();
  }
}

/** Where other replicas reach this one's webhooks: the address listened on, or for all interfaces this machine's (a Pod's IP). */
export function reachableHookUrl(host: string, port: number): string | undefined {
  let address: string | undefined = host;
  if (host === '0.0.0.0' || host === '::') {
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal && (host === '::' || i.family === 'IPv4'));
    address = external.find((i) => i!.family === 'IPv4')?.address ?? external[0]?.address;
  }
  return address === undefined ? undefined : `http://${hostPort(address, port)}/hook`;
}

/**
 * Passes a webhook call on to the leader named by the Lease, signed with the
 * shared secret as GitHub signs its calls: the secret itself never crosses
 * the (plain HTTP) connection between replicas.
 */
async function forwardToLeader(o: WatchHooks, secret: Buffer): Promise<void> {
  try {
    const lease = await o.kube.find(lockRef(o.app, o.kube.namespace, leaderLeaseName(o.app)));
    const url = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ? lease?.metadata.annotations?.[HOOK_ANNOTATION] : undefined;
    if (url === undefined) {
      o.log('webhook: no leader that takes webhooks; it fetches at its next poll');
      return;
    }
    const body = JSON.stringify({ forwardedAt: new Date().toISOString() });
    const r = await postJSON(url, body, 5_000, forwardedHeaders(body, secret));
    o.log(r.ok ? `webhook: passed on to the leader at ${url}` : `webhook: could not pass it on to the leader at ${url} (${r.why}); it fetches at its next poll`);
  } catch (err) {
    o.log(`webhook: could not find the leader: ${errorMessage(err)}; it fetches at its next poll`);
  }
}
