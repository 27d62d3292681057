import { describe, expect, it } from 'vitest';
import { median, percentile, sortNumbers } from '../src/statistics.ts';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles of sorted samples', () => {
    const sorted = sortNumbers([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(sorted).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('takes medians of the finite repetitions only', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});
