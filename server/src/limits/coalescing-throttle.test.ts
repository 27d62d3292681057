import { describe, expect, it } from 'vitest';
import { CoalescingThrottle } from './coalescing-throttle.ts';
import { mergeAwarenessEntries, type AwarenessEntry } from '../awareness/awareness-guard.ts';

function clock() {
  let time = 0;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('CoalescingThrottle', () => {
  it('forwards 100 offers per second at 10 per second, latest value winning', () => {
    const time = clock();
    const throttle = new CoalescingThrottle<number>({ minIntervalMs: 100, now: time.now });
    const sent: number[] = [];
    for (let index = 0; index < 100; index++) {
      const now = throttle.offer(index);
      if (now !== undefined) sent.push(now);
      time.advance(10);
      // The caller's timer, fired when due.
      const due = throttle.dueAt;
      if (due !== undefined && time.now() >= due) {
        const value = throttle.takeDue();
        if (value !== undefined) sent.push(value);
      }
    }
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent[0]).toBe(0);
    expect(sent.at(-1)).toBeGreaterThanOrEqual(90);
    for (let index = 1; index < sent.length; index++) expect(sent[index]).toBeGreaterThan(sent[index - 1] as number);
  });

  it('holds a value until its due time and reports that time', () => {
    const time = clock();
    const throttle = new CoalescingThrottle<string>({ minIntervalMs: 50, now: time.now });
    expect(throttle.offer('a')).toBe('a');
    time.advance(20);
    expect(throttle.offer('b')).toBeUndefined();
    expect(throttle.offer('c')).toBeUndefined();
    expect(throttle.hasPending).toBe(true);
    expect(throttle.dueAt).toBe(50);
    expect(throttle.takeDue()).toBeUndefined();
    time.advance(30);
    expect(throttle.takeDue()).toBe('c');
    expect(throttle.hasPending).toBe(false);
    expect(throttle.dueAt).toBeUndefined();
  });

  it('keeps order: a new value joins the held one instead of overtaking it', () => {
    const time = clock();
    const throttle = new CoalescingThrottle<number[]>({
      minIntervalMs: 10,
      now: time.now,
      merge: (held, next) => [...held, ...next],
    });
    throttle.offer([1]);
    time.advance(5);
    throttle.offer([2]);
    time.advance(5);
    expect(throttle.offer([3])).toEqual([2, 3]);
  });

  it('drops what it holds on clear', () => {
    const time = clock();
    const throttle = new CoalescingThrottle<number>({ minIntervalMs: 10, now: time.now });
    throttle.offer(1);
    throttle.offer(2);
    throttle.clear();
    time.advance(10);
    expect(throttle.takeDue()).toBeUndefined();
    expect(() => new CoalescingThrottle({ minIntervalMs: -1 })).toThrow(RangeError);
  });

  it('coalesces awareness entries per client, newest clock winning', () => {
    const entry = (clientId: number, clock: number, stateJson: string): AwarenessEntry => ({
      clientId,
      clock,
      stateJson,
      isRemoval: stateJson === 'null',
    });
    const merged = mergeAwarenessEntries([entry(1, 3, '{"x":1}'), entry(2, 1, '{}')], [entry(1, 4, 'null'), entry(1, 2, '{"old":1}')]);
    expect(merged).toEqual([entry(1, 4, 'null'), entry(2, 1, '{}')]);
  });
});
