import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

function clock(start = 1000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms), set: (ms: number) => (time = ms) };
}

describe('TokenBucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const time = clock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: time.now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    time.advance(99);
    expect(bucket.tryTake()).toBe(false);
    time.advance(1);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never holds more than the burst after a quiet spell', () => {
    const time = clock();
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 5, now: time.now });
    time.advance(60_000);
    expect(bucket.tokens).toBe(5);
    expect(bucket.tryTake(5)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
  });

  it('counts bytes as costs and takes nothing when refusing', () => {
    const time = clock();
    const bucket = new TokenBucket({ ratePerSecond: 1000, burst: 1000, now: time.now });
    expect(bucket.tryTake(600)).toBe(true);
    expect(bucket.tryTake(600)).toBe(false);
    expect(bucket.tokens).toBe(400);
    expect(bucket.tryTake(400)).toBe(true);
  });

  it('lets one cost above the burst through from a full bucket and then repays the debt', () => {
    const time = clock();
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 100, now: time.now });
    expect(bucket.tryTake(250)).toBe(true);
    expect(bucket.tokens).toBe(-150);
    expect(bucket.msUntilAvailable(1)).toBe(1510);
    time.advance(1500);
    expect(bucket.tryTake(1)).toBe(false);
    time.advance(10);
    expect(bucket.tryTake(1)).toBe(true);
    expect(bucket.tryTake(250)).toBe(false);
    expect(bucket.msUntilAvailable(250)).toBe(1000);
  });

  it('reports the wait until a cost is available', () => {
    const time = clock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 2, now: time.now });
    expect(bucket.msUntilAvailable(2)).toBe(0);
    bucket.tryTake(2);
    expect(bucket.msUntilAvailable(1)).toBe(250);
    expect(bucket.msUntilAvailable(2)).toBe(500);
  });

  it('ignores a clock that steps back', () => {
    const time = clock(5000);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, now: time.now });
    bucket.tryTake();
    time.set(1000);
    expect(bucket.tryTake()).toBe(false);
    time.set(5999);
    expect(bucket.tryTake()).toBe(false);
    time.set(6000);
    expect(bucket.tryTake()).toBe(true);
  });

  it('refuses nonsense options and costs as programmer errors', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 });
    expect(() => bucket.tryTake(-1)).toThrow(RangeError);
    expect(() => bucket.tryTake(Number.NaN)).toThrow(RangeError);
  });
});
