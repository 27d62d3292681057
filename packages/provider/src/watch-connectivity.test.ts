import { describe, expect, it, vi } from 'vitest';
import { FakeEventTarget } from '../test/helpers/fake-event-target.ts';
import { watchConnectivity } from './watch-connectivity.ts';

function setup(visibilityState = 'visible') {
  let now = 0;
  const online = new FakeEventTarget();
  const visibility = new FakeEventTarget(visibilityState);
  const onOnline = vi.fn();
  const onVisibleAfterLongHidden = vi.fn();
  const stop = watchConnectivity({
    onlineTarget: online,
    visibilityTarget: visibility,
    longHiddenMs: 1_000,
    now: () => now,
    onOnline,
    onVisibleAfterLongHidden,
  });
  const advance = (ms: number): void => {
    now += ms;
  };
  return { online, visibility, onOnline, onVisibleAfterLongHidden, stop, advance };
}

describe('watchConnectivity', () => {
  it('reports the online event', () => {
    const { online, onOnline, stop } = setup();
    online.dispatch('online');
    expect(onOnline).toHaveBeenCalledOnce();
    stop();
  });

  it('reports becoming visible after a long hidden period only', () => {
    const { visibility, onVisibleAfterLongHidden, advance, stop } = setup();
    visibility.setVisibility('hidden');
    advance(999);
    visibility.setVisibility('visible');
    expect(onVisibleAfterLongHidden).not.toHaveBeenCalled();
    visibility.setVisibility('hidden');
    advance(1_000);
    visibility.setVisibility('visible');
    expect(onVisibleAfterLongHidden).toHaveBeenCalledOnce();
    stop();
  });

  it('counts a page that starts hidden as hidden since the start', () => {
    const { visibility, onVisibleAfterLongHidden, advance, stop } = setup('hidden');
    advance(5_000);
    visibility.setVisibility('visible');
    expect(onVisibleAfterLongHidden).toHaveBeenCalledOnce();
    stop();
  });

  it('removes every listener it added', () => {
    const { online, visibility, onOnline, stop } = setup();
    expect(online.listenerCount).toBe(1);
    expect(visibility.listenerCount).toBe(1);
    stop();
    expect(online.listenerCount).toBe(0);
    expect(visibility.listenerCount).toBe(0);
    online.dispatch('online');
    expect(onOnline).not.toHaveBeenCalled();
  });
});
