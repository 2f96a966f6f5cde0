// core/v1 Events as the client-go event recorder writes them: one object per
// distinct (object, reason, message, source), its count and lastTimestamp
// bumped when the same thing happens again.
import type { KubeObject } from '../types.js';
import { CONTROLLER_MANAGER, nowIso } from './objects.js';
import type { Runtime } from './runtime.js';

export interface EventSource {
  component: string;
  host?: string;
  /**
   * The binary whose client writes the Event: its managedFields manager, taken
   * from the user agent (default kube-controller-manager, whose controllers
   * all share it).
   */
  manager?: string;
}

export type EventType = 'Normal' | 'Warning';

export class EventRecorder {
  /** Aggregation key -> name of the Event object carrying it. */
  private readonly seen = new Map<string, string>();
  private seq = 0;

  constructor(private readonly rt: Runtime) {}

  record(source: EventSource, obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const res = this.rt.res('', 'Event');
    const ns = obj.metadata.namespace ?? 'default';
    const involvedObject = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    };
    const key = [source.component, source.host, obj.kind, ns, obj.metadata.name, obj.metadata.uid, fieldPath, type, reason, message].join('\0');
    const now = nowIso();
    const existingName = this.seen.get(key);
    const existing = existingName ? this.rt.store.get(res, ns, existingName) : undefined;
    try {
      if (existing) {
        existing.count = Number(existing.count ?? 1) + 1;
        existing.lastTimestamp = now;
        this.rt.store.update(res, existing, { fieldManager: source.manager ?? CONTROLLER_MANAGER });
        return;
      }
      const name = `${obj.metadata.name}.${this.uniqueSuffix()}`;
      this.rt.store.create(
        res,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: ns },
          involvedObject,
          reason,
          message,
          source: source.host ? { component: source.component, host: source.host } : { component: source.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          type,
          eventTime: null,
          reportingComponent: source.component,
          reportingInstance: source.host ?? '',
        },
        { fieldManager: source.manager ?? CONTROLLER_MANAGER },
      );
      this.seen.set(key, name);
    } catch {
      // Events are best effort in a real cluster too: a lost one never fails the caller.
    }
  }

  /** Hex of a nanosecond timestamp, as the recorder names events; a counter keeps it unique. */
  private uniqueSuffix(): string {
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return nanos.toString(16);
  }
}
