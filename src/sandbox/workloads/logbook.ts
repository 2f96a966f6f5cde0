// What containers print: lines the kubelet and the service proxy append per
// container instance, read back by `kubectl logs` (also -f and --previous).

export interface LogLine {
  at: number;
  text: string;
}

interface ContainerLog {
  current: LogLine[];
  previous: LogLine[];
}

type Follower = (line: LogLine) => void;

/** Lines kept per container instance; older ones are dropped like rotated log files. */
const MAX_LINES = 1000;

export class LogBook {
  private readonly logs = new Map<string, ContainerLog>();
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly closers = new Map<string, Set<() => void>>();

  private key(podUid: string, container: string): string {
    return `${podUid}/${container}`;
  }

  append(podUid: string, container: string, text: string, at = Date.now()): void {
    const k = this.key(podUid, container);
    let log = this.logs.get(k);
    if (!log) this.logs.set(k, (log = { current: [], previous: [] }));
    const line = { at, text };
    log.current.push(line);
    if (log.current.length > MAX_LINES) log.current.shift();
    for (const f of this.followers.get(k) ?? []) f(line);
  }

  /**
   * The container exited and will be started again: what it printed becomes
   * `--previous` at once, and stays the current log until the new instance
   * starts, as the kubelet serves a dead container's log.
   */
  exited(podUid: string, container: string): void {
    const k = this.key(podUid, container);
    const log = this.logs.get(k);
    if (log) this.logs.set(k, { current: log.current, previous: [...log.current] });
    this.end(k);
  }

  /** A new instance of the container started: its current log begins empty. */
  restarted(podUid: string, container: string): void {
    const log = this.logs.get(this.key(podUid, container));
    if (log) log.current = [];
  }

  read(podUid: string, container: string, previous = false): LogLine[] {
    const log = this.logs.get(this.key(podUid, container));
    return [...((previous ? log?.previous : log?.current) ?? [])];
  }

  hasPrevious(podUid: string, container: string): boolean {
    return (this.logs.get(this.key(podUid, container))?.previous.length ?? 0) > 0;
  }

  /** Calls `onLine` for every new line until the instance ends (`onEnd`) or the returned function is called. */
  follow(podUid: string, container: string, onLine: Follower, onEnd: () => void): () => void {
    const k = this.key(podUid, container);
    const fs = this.followers.get(k) ?? new Set<Follower>();
    const cs = this.closers.get(k) ?? new Set<() => void>();
    fs.add(onLine);
    cs.add(onEnd);
    this.followers.set(k, fs);
    this.closers.set(k, cs);
    return () => {
      fs.delete(onLine);
      cs.delete(onEnd);
    };
  }

  /** The Pod is gone: drop its logs and end every follower. */
  forget(podUid: string): void {
    for (const k of [...this.logs.keys(), ...this.followers.keys()]) {
      if (!k.startsWith(`${podUid}/`)) continue;
      this.logs.delete(k);
      this.end(k);
    }
  }

  private end(k: string): void {
    const cs = this.closers.get(k);
    this.followers.delete(k);
    this.closers.delete(k);
    for (const c of cs ?? []) c();
  }
}
