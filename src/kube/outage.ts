// How long the API server has been unreachable or failing, shared by every
// request a command sends it: the retry budget (--retry-timeout) is spent once
// per outage, not once per request. The clock starts at the first failure and
// is reset by the next answer.
//
// While the server cannot be reached, one request at a time goes out to see
// whether it is back (the probe), retrying with backoff; the others wait for
// it rather than each hammering a server that is not there, and go as soon as
// it gets an answer. Once the budget is spent the outage is given up: requests
// then try once, still one at a time, the others failing at once, until an
// answer ends the outage (a later one gets a fresh budget).
//
// A server that answers 5xx or 429 is failing, not unreachable: each request
// retries on its own backoff within the same budget, so that one object the
// server keeps refusing does not hold up the others.

import { sleep } from './retry.js';

/** What admission says: send; send as the one probe; or do not send (the budget is spent). */
export type Admission = 'go' | 'probe' | 'spent';

interface Outage {
  since: number;
  /** No connection at all (rather than failing answers): requests go one at a time. */
  unreachable: boolean;
  /** The last failure in words: `connection refused`, `503 Service Unavailable`. */
  cause: string;
  /** The budget ran out: no more retries until an answer ends the outage. */
  spent: boolean;
  /** The next notice while it lasts. */
  noticeTimer?: NodeJS.Timeout;
}

export interface FailureVerdict {
  /** When the failed request's retries must end: a budget from the outage's start (or the request's own first failure, if earlier). */
  deadline: number;
  /** The outage had been given up before this failure. */
  spentBefore: boolean;
}

export interface ServerHealthOptions {
  /** The server's origin, for the notice. */
  server: string;
  budgetMs: number;
  /** Told at most every few seconds while an outage lasts. */
  notify?: (line: string) => void;
}

/** A short outage passes without a word; a longer one is reported this often. */
const NOTICE_AFTER_MS = 1_000;
const NOTICE_EVERY_MS = 5_000;
/**
 * How long past the budget a waiting request still waits for the probe's last
 * attempt (sent as the budget ends) to be answered or refused.
 */
const LAST_ATTEMPT_GRACE_MS = 1_000;
/** A probe gets at least this long to hear from the server. */
const MIN_PROBE_IDLE_MS = 1_000;

export class ServerHealth {
  private outage: Outage | undefined;
  private probing = false;
  private readonly waiting = new Set<() => void>();
  /** Requests waiting out a backoff before they try again. */
  private backingOff = 0;

  constructor(private readonly opts: ServerHealthOptions) {}

  get budgetMs(): number {
    return this.opts.budgetMs;
  }

  /**
   * Whether a request may be sent now. While the server is unreachable and
   * another request is checking on it, waits until that one is answered or
   * gives up, or until the budget is spent. Rejects with the signal's reason.
   */
  async admit(signal?: AbortSignal): Promise<Admission> {
    for (;;) {
      signal?.throwIfAborted();
      const o = this.outage;
      if (!o || !o.unreachable) return 'go';
      if (!this.probing) {
        this.probing = true;
        return 'probe';
      }
      if (o.spent) return 'spent';
      const left = o.since + this.opts.budgetMs + LAST_ATTEMPT_GRACE_MS - Date.now();
      if (left <= 0) {
        this.spend(o);
        return 'spent';
      }
      await this.change(left, signal);
    }
  }

  /** Makes a request that failed the probe, unless another request is already checking. */
  takeProbe(): boolean {
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** The probe is done: answered, given up, or no longer wanted. Waiting requests look again. */
  releaseProbe(): void {
    this.probing = false;
    this.wake();
  }

  /** An answer that is not a failure: the outage, if any, is over. */
  answered(): void {
    if (!this.outage) return;
    clearTimeout(this.outage.noticeTimer);
    this.outage = undefined;
    this.wake();
  }

  /** A request got no answer (unreachable) or a failing one; starts or continues the outage's clock. */
  failed(how: { unreachable: boolean; cause: string }, firstFailure: number): FailureVerdict {
    const now = Date.now();
    const before = this.outage;
    // The outage starts when the request that found it first failed, so every request of it gets the same deadline.
    const o: Outage = before ?? this.begin(Math.min(now, firstFailure), how);
    const spentBefore = before?.spent ?? false;
    if (o.unreachable && !how.unreachable) this.wake(); // it answers again: waiting requests may go
    o.unreachable = how.unreachable;
    o.cause = how.cause;
    if (now >= o.since + this.opts.budgetMs) this.spend(o);
    return { deadline: Math.min(o.since, firstFailure) + this.opts.budgetMs, spentBefore };
  }

  /** Waits before a request tries again; while any does, the outage is reported. */
  async backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.backingOff++;
    try {
      await sleep(ms, signal);
    } finally {
      this.backingOff--;
    }
  }

  /** How long a probe may wait for the server's first byte: no longer than the budget has left. */
  probeIdleMs(idleMs: number): number {
    const o = this.outage;
    if (!o || o.spent) return idleMs;
    return Math.min(idleMs, Math.max(MIN_PROBE_IDLE_MS, o.since + this.opts.budgetMs - Date.now()));
  }

  private begin(since: number, how: { unreachable: boolean; cause: string }): Outage {
    const o: Outage = { since, unreachable: how.unreachable, cause: how.cause, spent: false };
    this.outage = o;
    if (this.opts.notify && this.opts.budgetMs > NOTICE_AFTER_MS) this.schedule(o, NOTICE_AFTER_MS);
    return o;
  }

  private spend(o: Outage): void {
    o.spent = true;
    clearTimeout(o.noticeTimer);
  }

  /** One line per tick of the outage, however many requests are waiting on it. */
  private schedule(o: Outage, ms: number): void {
    o.noticeTimer = setTimeout(() => {
      if (this.outage !== o || o.spent) return;
      const now = Date.now();
      const left = o.since + this.opts.budgetMs - now;
      if (left <= 0) return;
      // Said only while requests are retrying: checking on the server, waiting for it, or backing off.
      if (!this.probing && this.waiting.size === 0 && this.backingOff === 0) return this.schedule(o, NOTICE_EVERY_MS);
      const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;
      const state = o.unreachable ? 'unreachable' : 'failing';
      this.opts.notify?.(`the Kubernetes API server at ${this.opts.server} is ${state} (${o.cause}) for ${seconds(now - o.since)}; retrying for up to ${seconds(left)} more`);
      this.schedule(o, NOTICE_EVERY_MS);
    }, ms);
    // Only the requests keep the command alive, not the notices about them.
    o.noticeTimer.unref();
  }

  private change(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        reject(signal!.reason);
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(): void {
    for (const w of [...this.waiting]) w();
  }
}
