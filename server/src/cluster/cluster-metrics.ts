import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a document was caught up from storage instead of from its stream. */
export type BackfillReason = 'gap' | 'reconnect' | 'poison' | 'catch-up' | 'poll';

export const BACKFILL_REASONS: readonly BackfillReason[] = ['gap', 'reconnect', 'poison', 'catch-up', 'poll'];

/** What the cluster link reports, on the server's registry (ServerMetrics.registry). */
export interface ClusterMetrics {
  /** From another node's XADD (the stream id's time) to this node applying the entry, in seconds. */
  streamLag(seconds: number): void;
  backfilled(reason: BackfillReason): void;
  /** Cross-node delivery moved from the streams to polling storage. */
  fellBackToPolling(): void;
  quarantined(): void;
  redisConnected(connected: boolean): void;
}

// From a millisecond on one host to a minute behind (polling, a stalled reader).
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createClusterMetrics(registry: Registry): ClusterMetrics {
  const lag = new Histogram({
    name: 'quire_cluster_stream_lag_seconds',
    help: "Time from another node's XADD of a committed change to this node applying it.",
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  const backfills = new Counter({
    name: 'quire_cluster_backfills_total',
    help: 'Documents caught up from storage instead of their stream, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'quire_cluster_polling_fallbacks_total',
    help: 'Times cross-node delivery fell back from Redis streams to polling storage.',
    registers: [registry],
  });
  const quarantined = new Counter({
    name: 'quire_cluster_quarantined_entries_total',
    help: 'Stream entries that could not be applied, copied to the quarantine stream.',
    registers: [registry],
  });
  const connection = new Gauge({
    name: 'quire_cluster_redis_connected',
    help: 'Whether both Redis connections are ready (1) or not (0).',
    registers: [registry],
  });
  for (const reason of BACKFILL_REASONS) backfills.inc({ reason }, 0);
  connection.set(0);
  return {
    streamLag: (seconds) => lag.observe(Math.max(0, seconds)),
    backfilled: (reason) => backfills.inc({ reason }),
    fellBackToPolling: () => fallbacks.inc(),
    quarantined: () => quarantined.inc(),
    redisConnected: (connected) => connection.set(connected ? 1 : 0),
  };
}
