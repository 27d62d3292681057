import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] ?? 0;
}

describe('Backoff', () => {
  it('doubles the window from min up to max', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999_999 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('applies full jitter: the delay can be anywhere from 0 to the window', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 10_000, random: sequence(0, 0.5, 0.25) });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 100, 100]);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    expect(backoff.attempt).toBe(2);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('stays finite after very many failures', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 });
    for (let index = 0; index < 5_000; index++) backoff.next();
    expect(backoff.next()).toBe(5_000);
  });
});
