import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { Awareness, outdatedTimeout } from 'y-protocols/awareness';
import { stopOwnOutdatedCheck } from './awareness-internals.ts';

// Pins the y-protocols internal the room's shared awareness sweep relies on.
afterEach(() => {
  vi.useRealTimers();
});

/**
 * An awareness holding another client's state last renewed long ago (lib0
 * reads the real clock, so the state is outdated from the start and only
 * the interval's run is faked).
 */
function withOutdatedState(): Awareness {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState(null);
  awareness.states.set(99, { user: 'someone' });
  awareness.meta.set(99, { clock: 1, lastUpdated: 0 });
  return awareness;
}

describe('Awareness internals the room relies on', () => {
  it('its own interval drops outdated states, and stopOwnOutdatedCheck stops exactly that interval', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const running = withOutdatedState();
    const stopped = withOutdatedState();
    stopOwnOutdatedCheck(stopped);
    vi.advanceTimersByTime(outdatedTimeout);
    expect(running.states.has(99)).toBe(false);
    expect(stopped.states.has(99)).toBe(true);
    running.destroy();
    stopped.destroy();
  });
});
