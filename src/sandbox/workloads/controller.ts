// What every workload controller shares: a queue of owner keys, fed by
// changes to the owners themselves and to the objects they control (or could
// adopt), as controllers' informer handlers do.
import type { KubeObject, StoreEvent } from '../types.js';
import type { EventRecorder } from './events.js';
import { controllerOf, labelsMatch, type LabelSelector } from './objects.js';
import type { ReconcileResult, Runtime } from './runtime.js';

export interface ControllerShape {
  /** The queue name, e.g. `deployment`. */
  name: string;
  owner: readonly [group: string, kind: string];
  child: readonly [group: string, kind: string];
  /** Wake the owners whose selector matches a new orphan child, so they can adopt it. */
  adoptOrphans?: boolean;
}

function is(ev: StoreEvent, [group, kind]: readonly [string, string]): boolean {
  return ev.resource.group === group && ev.object.kind === kind;
}

export abstract class WorkloadController<T extends KubeObject & { spec: { selector?: LabelSelector } }> {
  constructor(
    protected readonly rt: Runtime,
    protected readonly events: EventRecorder,
    private readonly shape: ControllerShape,
  ) {
    rt.register(shape.name, (key) => {
      const [ns, name] = key.split('/') as [string, string];
      const owner = rt.cache.get<T>(shape.owner[0], shape.owner[1], ns, name);
      return owner ? this.sync(owner) : undefined;
    });
  }

  onEvent(ev: StoreEvent): void {
    const o = ev.object;
    if (is(ev, this.shape.owner)) {
      if (ev.type !== 'DELETED') this.enqueue(o.metadata.namespace, o.metadata.name!);
      return;
    }
    if (!is(ev, this.shape.child)) return;
    const ref = controllerOf(o) ?? (ev.old ? controllerOf(ev.old) : undefined);
    if (ref?.kind === this.shape.owner[1]) {
      this.enqueue(o.metadata.namespace, ref.name);
    } else if (!ref && this.shape.adoptOrphans && ev.type !== 'DELETED') {
      for (const owner of this.rt.cache.list<T>(this.shape.owner[0], this.shape.owner[1], o.metadata.namespace)) {
        if (labelsMatch(owner.spec.selector, o.metadata.labels)) this.enqueue(o.metadata.namespace, owner.metadata.name!);
      }
    }
  }

  protected enqueue(namespace: string | undefined, name: string): void {
    this.rt.enqueue(this.shape.name, `${namespace ?? ''}/${name}`);
  }

  /** Reconciles one owner, read from the cache (copy before changing it). */
  protected abstract sync(owner: T): ReconcileResult;
}
