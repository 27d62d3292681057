import type { Metric, Registry } from 'prom-client';

/** One sample of the exposition, as prom-client's registry reads it. */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** What prom-client's registry reads from a metric to render it. */
export interface HistogramExposition {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly Sample[];
}

export interface BucketHistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Upper bounds, ascending; `+Inf` is added. */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

/**
 * A histogram without labels for what is observed once or more per update.
 * prom-client's Histogram builds and hashes a label object and allocates a
 * closure on every observation (about 1 µs, several times per update); here
 * an observation is a bucket search and three additions. A registry renders
 * it through prom-client's metric interface (`get`), in the same exposition
 * as prom-client's own Histogram.
 */
export class BucketHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last is above every bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(options: BucketHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    for (let index = 1; index < options.buckets.length; index++) {
      if (!(options.buckets[index]! > options.buckets[index - 1]!)) throw new RangeError(`${options.name}: buckets must ascend`);
    }
    this.bounds = [...options.buckets];
    this.counts = new Float64Array(options.buckets.length + 1);
    // The registry needs only name, get() and reset(); it takes any object with them.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket += 1;
    this.counts[bucket] = this.counts[bucket]! + 1;
    this.sum += value;
    this.count += 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  get(): Promise<HistogramExposition> {
    const values: Sample[] = [];
    let cumulative = 0;
    for (let bucket = 0; bucket < this.bounds.length; bucket++) {
      cumulative += this.counts[bucket]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[bucket]! }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
