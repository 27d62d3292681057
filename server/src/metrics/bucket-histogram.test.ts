import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { createSeededRandom } from '@quire/test-utils';
import { BucketHistogram } from './bucket-histogram.ts';

const BUCKETS = [0.0001, 0.00025, 0.001, 0.01, 0.5, 1, 10];

describe('BucketHistogram', () => {
  it("renders exactly what prom-client's Histogram renders for the same observations", async () => {
    const reference = new Registry();
    const ours = new Registry();
    const theirs = new Histogram({ name: 'quire_test_seconds', help: 'A test histogram.', buckets: BUCKETS, registers: [reference] });
    const mine = new BucketHistogram({ name: 'quire_test_seconds', help: 'A test histogram.', buckets: BUCKETS, registers: [ours] });
    const fresh = await reference.metrics();
    expect(await ours.metrics()).toBe(fresh);

    const below = createSeededRandom(7);
    // Values on the bounds, between them, above the last, zero and negative.
    const values = [...BUCKETS, 0, -1, 20, ...Array.from({ length: 500 }, () => below(1_000_000) / 50_000)];
    for (const value of values) {
      theirs.observe(value);
      mine.observe(value);
    }
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.metrics()).toContain('quire_test_seconds_count 510');

    // Reset, it reads as new (prom-client's own leaves an unlabelled histogram without samples).
    mine.reset();
    expect(await ours.metrics()).toBe(fresh);
  });

  it('ignores values that are not finite and refuses buckets that do not ascend', async () => {
    const registry = new Registry();
    const histogram = new BucketHistogram({ name: 'quire_test', help: 'h', buckets: [1, 2], registers: [registry] });
    histogram.observe(Number.NaN);
    histogram.observe(Number.POSITIVE_INFINITY);
    histogram.observe(1.5);
    const text = await registry.metrics();
    expect(text).toContain('quire_test_count 1');
    expect(text).toContain('quire_test_bucket{le="2"} 1');
    expect(text).toContain('quire_test_bucket{le="1"} 0');
    expect(() => new BucketHistogram({ name: 'quire_bad', help: 'h', buckets: [2, 1], registers: [] })).toThrow(RangeError);
  });
});
