import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function createHeartbeat(intervalMs = 1_000, timeoutMs = 3_000) {
  const pings: number[] = [];
  const dead = vi.fn();
  const heartbeat = new Heartbeat({
    intervalMs,
    timeoutMs,
    now: () => Date.now(),
    sendPing: (id) => pings.push(id),
    onDead: dead,
  });
  return { heartbeat, pings, dead };
}

describe('Heartbeat', () => {
  it('pings at once and then after each quiet interval', () => {
    const { heartbeat, pings } = createHeartbeat();
    heartbeat.start(true);
    expect(pings).toEqual([0]);
    vi.advanceTimersByTime(999);
    expect(pings).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(pings).toEqual([0, 1]);
    heartbeat.stop();
  });

  it('declares the link dead after the timeout without any message', () => {
    const { heartbeat, dead } = createHeartbeat();
    heartbeat.start(true);
    vi.advanceTimersByTime(2_999);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledOnce();
    expect(heartbeat.running).toBe(false);
  });

  it('stays alive while answers keep coming, with one timer', () => {
    const { heartbeat, pings, dead } = createHeartbeat();
    heartbeat.start(true);
    for (let second = 0; second < 60; second++) {
      vi.advanceTimersByTime(1_000);
      heartbeat.received();
    }
    expect(dead).not.toHaveBeenCalled();
    expect(pings.length).toBeGreaterThan(1);
    expect(vi.getTimerCount()).toBe(1);
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not ping when traffic already proves the link', () => {
    const { heartbeat, pings } = createHeartbeat();
    heartbeat.start(true);
    for (let tick = 0; tick < 20; tick++) {
      vi.advanceTimersByTime(500);
      heartbeat.received();
    }
    expect(pings).toEqual([0]);
    heartbeat.stop();
  });

  it('never pings a connection without quire.v1, but still times it out', () => {
    const { heartbeat, pings, dead } = createHeartbeat();
    heartbeat.start(false);
    vi.advanceTimersByTime(3_000);
    expect(pings).toEqual([]);
    expect(dead).toHaveBeenCalledOnce();
  });

  it('sends only the opening ping when the interval is 0', () => {
    const { heartbeat, pings, dead } = createHeartbeat(0, 3_000);
    heartbeat.start(true);
    vi.advanceTimersByTime(2_999);
    expect(pings).toEqual([0]);
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledOnce();
  });
});
