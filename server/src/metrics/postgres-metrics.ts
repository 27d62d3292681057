import { Gauge, type Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';

/** What a node on PostgreSQL reports beside the server's own series. */
export interface PostgresMetrics {
  /** One storage transaction committed, taking this many seconds (a round trip to the database at least). */
  committed(seconds: number): void;
  /** Whether the last use of the database succeeded: a failed connection or query sets 0, the next success 1. */
  setConnected(connected: boolean): void;
}

// From a sub-millisecond commit on a local socket to a 10 s stall (a failover, a lock wait).
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the PostgreSQL series on the server's registry (ServerMetrics.registry), so /metrics shows them. */
export function createPostgresMetrics(registry: Registry): PostgresMetrics {
  const commit = new BucketHistogram({
    name: 'quire_postgres_commit_seconds',
    help: 'Time to commit one storage transaction in PostgreSQL (a batch of log entries, a compaction).',
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  const connected = new Gauge({
    name: 'quire_postgres_connected',
    help: '1 while the last use of PostgreSQL succeeded, 0 after a connection or query failed.',
    registers: [registry],
  });
  connected.set(0);
  return {
    committed(seconds) {
      commit.observe(seconds);
    },
    setConnected(isConnected) {
      connected.set(isConnected ? 1 : 0);
    },
  };
}
