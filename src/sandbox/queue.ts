// A de-duplicating queue drained on a later turn of the event loop. The
// API-side controllers (garbage collector, namespace lifecycle, CRD
// establishment) react to store events through it, never from inside the
// event, as informer-driven controllers do.

export class LaterQueue<T> {
  private readonly pending = new Map<string, T>();
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(private readonly work: (item: T) => void) {}

  add(key: string, item: T): void {
    if (this.stopped) return;
    this.pending.set(key, item);
    this.scheduled ??= setImmediate(() => this.drain());
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.pending.clear();
  }

  private drain(): void {
    this.scheduled = undefined;
    const items = [...this.pending.values()];
    this.pending.clear();
    for (const item of items) {
      if (this.stopped) return;
      try {
        this.work(item);
      } catch (err) {
        process.emitWarning(`sandbox controller failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  }
}
