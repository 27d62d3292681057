import type { VisibilityTargetLike } from '../../src/watch-connectivity.ts';

type Listener = (event: unknown) => void;

/** Stands in for `window` (online) and `document` (visibilitychange) in tests. */
export class FakeEventTarget implements VisibilityTargetLike {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(public visibilityState = 'visible') {}

  get listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  dispatch(type: string): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener({ type });
  }

  setVisibility(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatch('visibilitychange');
  }
}
