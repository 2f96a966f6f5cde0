// One operation at a time per app and namespace, across machines: a
// coordination.k8s.io/v1 Lease `gdeploy-lock.<app>`, held the way client-go's
// leader election holds one. The holder renews it while it works; a holder
// that dies stops renewing and the lease expires after its duration, so a
// killed gdeploy never blocks an app for longer than that.
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kube, KubeObject, ObjectRef } from '../kube/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../kube/errors.js';
import { ExitCode, GdeployError } from './errors.js';

export interface LockOptions {
  app: string;
  namespace: string;
  /** What is being done, shown to whoever waits ("sync", "rollback"). */
  operation: string;
  /** How long to wait for another holder (ms); 0 fails at once. */
  waitMs: number;
  /** How long the lease stays valid without renewal (s). */
  leaseSeconds?: number;
  /** The Lease's name (default `gdeploy-lock.<app>`, the app's lock). */
  name?: string;
  /** How often a waiter looks at the lease again (ms). */
  pollMs?: number;
  /** Written on the lease with each take, for whoever reads it (where the holder can be reached). */
  annotations?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LeaseHolder) => void;
  /** Called when another process was found to have left an expired lease we took over. */
  onTakeover?: (previous: LeaseHolder) => void;
}

export interface LeaseHolder {
  identity: string;
  /** When the current holder took it. */
  acquired?: Date;
  renewed?: Date;
  /** When it stops being valid unless renewed. */
  expires?: Date;
}

export interface AppLock {
  readonly identity: string;
  /** Fires if the lease could not be renewed: someone else may now hold it. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export const DEFAULT_LEASE_SECONDS = 30;

/**
 * The signal to stop writing on: `signal` (an interrupt), or the lock being
 * lost, whichever comes first. Writing on without the lock would race
 * whoever holds it now.
 */
export function untilLost(lock: AppLock | undefined, signal: AbortSignal | undefined): AbortSignal | undefined {
  if (!lock) return signal;
  return signal ? AbortSignal.any([signal, lock.lost]) : lock.lost;
}
const POLL_MS = 500;

export function lockRef(app: string, namespace: string, name = `gdeploy-lock.${app}`): ObjectRef {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name };
}

export function holderIdentity(operation: string): string {
  let user = process.env.USER ?? '';
  try {
    user ||= userInfo().username;
  } catch {
    user ||= 'unknown';
  }
  return `${user}@${hostname()} pid ${process.pid} (${operation})`;
}

export async function acquireAppLock(kube: Kube, opts: LockOptions): Promise<AppLock> {
  const ref = lockRef(opts.app, opts.namespace, opts.name);
  const poll = opts.pollMs ?? POLL_MS;
  const identity = holderIdentity(opts.operation);
  const seconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const deadline = Date.now() + opts.waitMs;
  let waiting = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const lease = await tryTake(kube, ref, identity, seconds, opts);
    if (lease !== undefined) return new HeldLock(kube, lease, identity, seconds);
    const holder = holderOf(await kube.find(ref, { signal: opts.signal }));
    if (holder === undefined) {
      // Released between our attempt and this read: try again, without hammering the server.
      await sleep(poll / 10, undefined, { signal: opts.signal });
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(opts, holder);
    if (!waiting) {
      waiting = true;
      opts.onWait?.(holder);
    }
    await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), undefined, { signal: opts.signal });
  }
}

/** Takes the lease if it is free, expired or already ours; undefined when someone else holds it. */
async function tryTake(kube: Kube, ref: ObjectRef, identity: string, seconds: number, opts: LockOptions): Promise<KubeObject | undefined> {
  const now = microTime(new Date());
  const live = await kube.find(ref, { signal: opts.signal });
  if (live === undefined) {
    try {
      return await kube.create(leaseObject(ref, identity, seconds, now, now, 0, opts.annotations), { signal: opts.signal });
    } catch (err) {
      return await ifOurs(kube, ref, identity, now, opts.signal, () => {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      });
    }
  }
  const holder = holderOf(live);
  // A live holder is busy even if its identity reads like ours: identities are for people, not ownership.
  if (holder !== undefined && !expired(holder)) return undefined;
  if (holder !== undefined) opts.onTakeover?.(holder);
  const spec = (live.spec ?? {}) as LeaseSpec;
  const transitions = (spec.leaseTransitions ?? 0) + 1;
  const next = leaseObject(ref, identity, seconds, now, now, transitions, opts.annotations);
  next.metadata.resourceVersion = live.metadata.resourceVersion;
  try {
    return await kube.update(next, { signal: opts.signal });
  } catch (err) {
    return await ifOurs(kube, ref, identity, now, opts.signal, () => {
      // Someone else got there between our read and write.
      if (isConflict(err) || isNotFound(err)) return undefined;
      throw err;
    });
  }
}

/**
 * After a failed take: a write whose answer was lost (the retry then meets a
 * 409 or AlreadyExists, or the connection broke) may still have made the
 * lease ours. Read it back; if it names this holder and this very take, it is
 * held (client-go also treats a lease naming itself as its own). Otherwise
 * `otherwise` decides.
 */
async function ifOurs(
  kube: Kube,
  ref: ObjectRef,
  identity: string,
  acquireTime: string,
  signal: AbortSignal | undefined,
  otherwise: () => KubeObject | undefined,
): Promise<KubeObject | undefined> {
  const live = await kube.find(ref, { signal }).catch(() => undefined);
  return live && isHolding(live, identity, acquireTime) ? live : otherwise();
}

/** The lease names this holder and this very take (not an earlier or later one of the same identity). */
function isHolding(lease: KubeObject, identity: string, acquireTime: string | undefined): boolean {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  return spec.holderIdentity === identity && spec.acquireTime === acquireTime;
}

class HeldLock implements AppLock {
  private readonly lostController = new AbortController();
  private readonly stopped = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly periodMs: number;
  private readonly durationMs: number;
  private renewing: Promise<void> = Promise.resolve();
  private inFlight = false;
  /** When the last successful write of the lease was sent. */
  private renewedAt = Date.now();
  private released = false;

  constructor(
    private readonly kube: Kube,
    private lease: KubeObject,
    readonly identity: string,
    seconds: number,
  ) {
    // Renew well within the duration so one slow request does not lose it. The
    // caller's signal (an interrupt) must not stop renewals: the writes in flight
    // after a SIGINT still need the lock until release().
    this.durationMs = seconds * 1000;
    this.periodMs = this.durationMs / 3;
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  private tick(): void {
    if (this.released || this.lost.aborted) return;
    // Like client-go's renew deadline: a holder that could not renew for two
    // thirds of the lease's duration gives it up before it runs out, for
    // another process may take it over then.
    if (Date.now() >= this.renewedAt + (this.durationMs * 2) / 3) {
      this.lose(`could not renew the lease ${leaseName(this.lease)} in time: another process may take it over`);
      return;
    }
    if (this.inFlight) return;
    this.inFlight = true;
    this.renewing = this.renew(this.stopped.signal).finally(() => (this.inFlight = false));
  }

  private lose(why: string): void {
    clearInterval(this.timer);
    this.lostController.abort(new GdeployError(why));
  }

  private async renew(signal: AbortSignal | undefined): Promise<void> {
    const sent = Date.now();
    const spec = { ...(this.lease.spec as LeaseSpec), renewTime: microTime(new Date(sent)) };
    try {
      this.lease = await this.write(spec, signal);
      this.renewedAt = sent;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) this.lose(`lost ${leaseName(this.lease)}: it was changed by someone else`);
      // Anything else (a network blip): try again soon, while the lease is still valid.
      else if (!this.released) setTimeout(() => this.tick(), this.periodMs / 5).unref();
    }
  }

  /**
   * Updates the lease. A 409 is not always someone else: an earlier update of
   * ours may have gone through with its answer lost, and the transport's retry
   * then carries a stale resourceVersion. So on a conflict the lease is read
   * again, and if it is still this very holding (same holder, same acquire
   * time) the write is repeated on the fresh version, as client-go's leader
   * election reads before it updates.
   */
  private async write(spec: LeaseSpec, signal: AbortSignal | undefined): Promise<KubeObject> {
    try {
      return await this.kube.update({ ...this.lease, spec }, { signal });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const live = await this.kube.find(refOfLease(this.lease), { signal });
      if (!live || !isHolding(live, this.identity, (this.lease.spec as LeaseSpec).acquireTime)) throw err;
      this.lease = live;
      return await this.kube.update({ ...live, spec }, { signal });
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    this.stopped.abort();
    await this.renewing.catch(() => undefined);
    if (this.lost.aborted) return;
    // Hand it back as client-go does: no holder, so the next taker need not wait for expiry.
    const spec: LeaseSpec = { ...(this.lease.spec as LeaseSpec), holderIdentity: undefined, leaseDurationSeconds: 1 };
    delete spec.holderIdentity;
    try {
      await this.write(spec, undefined);
    } catch {
      // Someone took it over after expiry, or the lease is gone: nothing of ours to release.
    }
  }
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

function leaseObject(
  ref: ObjectRef,
  identity: string,
  seconds: number,
  acquire: string,
  renew: string,
  transitions: number,
  annotations?: Record<string, string>,
): KubeObject {
  const spec: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: seconds,
    acquireTime: acquire,
    renewTime: renew,
    leaseTransitions: transitions,
  };
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'gdeploy' }, ...(annotations ? { annotations } : {}) },
    spec,
  };
}

function holderOf(lease: KubeObject | undefined): LeaseHolder | undefined {
  const spec = (lease?.spec ?? {}) as LeaseSpec;
  if (!spec.holderIdentity) return undefined;
  const renewed = parseTime(spec.renewTime) ?? parseTime(spec.acquireTime);
  const holder: LeaseHolder = { identity: spec.holderIdentity };
  const acquired = parseTime(spec.acquireTime);
  if (acquired) holder.acquired = acquired;
  if (renewed) {
    holder.renewed = renewed;
    holder.expires = new Date(renewed.getTime() + (spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000);
  }
  return holder;
}

function expired(h: LeaseHolder): boolean {
  return h.expires !== undefined && h.expires.getTime() <= Date.now();
}

function lockedError(opts: LockOptions, h: LeaseHolder): GdeployError {
  const since = h.acquired ? ` since ${h.acquired.toISOString()}` : '';
  const left = h.expires ? Math.max(0, Math.ceil((h.expires.getTime() - Date.now()) / 1000)) : undefined;
  const expiry = left === undefined ? '' : `; the lease expires at ${h.expires!.toISOString()} (in ${left}s) unless its holder renews it`;
  return new GdeployError(
    `app ${opts.namespace}/${opts.app} is locked by ${h.identity}${since}${expiry}`,
    {
      exitCode: ExitCode.LOCKED,
      hint: opts.waitMs > 0 ? 'wait for that operation to finish, or raise --lock-timeout' : 'wait for that operation to finish, or pass --lock-timeout DUR (such as 2m) to wait for it',
    },
  );
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function parseTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function refOfLease(lease: KubeObject): ObjectRef {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: lease.metadata.namespace, name: lease.metadata.name! };
}

function leaseName(lease: KubeObject): string {
  return `Lease/${lease.metadata.namespace}/${lease.metadata.name}`;
}
