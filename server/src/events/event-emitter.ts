import type { Logger } from '../logger.ts';
import type { ServerEventListener, ServerEventMap, ServerEventName, ServerEvents } from './server-events.ts';

type AnyListener = (event: ServerEventMap[ServerEventName]) => void | Promise<void>;

interface QueuedEvent {
  readonly name: ServerEventName;
  readonly payload: ServerEventMap[ServerEventName];
}

/**
 * The typed emitter behind `server.on`. Events are delivered in the order
 * they were emitted, in a microtask after the emitting code: a listener never
 * runs inside a room's or the transport's call stack, so whatever it does
 * (even changing the document) cannot re-enter them. A listener's error, or
 * its rejected promise, is logged and reaches neither the emitter nor the
 * other listeners.
 */
export class ServerEventEmitter implements ServerEvents {
  private readonly listeners = new Map<ServerEventName, AnyListener[]>();
  private readonly queue: QueuedEvent[] = [];
  private draining = false;

  constructor(private readonly logger: Logger) {}

  on<Name extends ServerEventName>(name: Name, listener: ServerEventListener<Name>): void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const list = this.listeners.get(name) ?? [];
    // Replaced, not mutated: a delivery in progress keeps the list it started with.
    this.listeners.set(name, [...list, listener as AnyListener]);
  }

  off<Name extends ServerEventName>(name: Name, listener: ServerEventListener<Name>): void {
    const list = this.listeners.get(name);
    if (list === undefined) return;
    const index = list.indexOf(listener as AnyListener);
    if (index === -1) return;
    const rest = list.filter((_, at) => at !== index);
    if (rest.length === 0) this.listeners.delete(name);
    else this.listeners.set(name, rest);
  }

  /** Whether anyone listens to `name`; emitters may skip building a payload otherwise. */
  has(name: ServerEventName): boolean {
    return this.listeners.has(name);
  }

  emit<Name extends ServerEventName>(name: Name, payload: ServerEventMap[Name]): void {
    if (!this.listeners.has(name)) return;
    this.queue.push({ name, payload });
    if (this.queue.length === 1 && !this.draining) queueMicrotask(this.drain);
  }

  /** Delivers every queued event now (the server's close, so no event is left behind). */
  readonly drain = (): void => {
    if (this.draining) return;
    this.draining = true;
    try {
      // Listeners may emit more (through the server's API); those are delivered in this loop too.
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.draining = false;
    }
  };

  private deliver({ name, payload }: QueuedEvent): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const result = listener(payload);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.report(error, name, payload));
      } catch (error) {
        this.report(error, name, payload);
      }
    }
  }

  private report(error: unknown, name: ServerEventName, payload: ServerEventMap[ServerEventName]): void {
    this.logger.error({ err: error, event: name, documentName: payload.documentName }, 'server event listener failed');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
