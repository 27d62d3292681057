import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.ts';
import type { CompactionInfo } from '@quire/storage';
import { MESSAGE_KINDS, messageKindIndex } from './message-kind.ts';

/** Live counts read when /metrics is scraped, so nothing on the hot path keeps them. */
export interface MetricsSources {
  readonly connections: () => number;
  readonly openDocuments: () => number;
}

/**
 * What the server reports to Prometheus. One instance per server, on its own
 * registry (never prom-client's global one), so several servers in a process
 * keep separate figures. The recording methods are cheap: message counts
 * accumulate in plain arrays and reach the prom-client counters at scrape time.
 */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Where the connection and open-document gauges read from. */
  setSources(sources: MetricsSources): void;
  messageReceived(bytes: Uint8Array): void;
  messageSent(bytes: Uint8Array): void;
  connectionClosed(code: number): void;
  /** Time to apply one client update to its document, in seconds. */
  updateApplied(seconds: number): void;
  /** From a store append to its durable write, in seconds. */
  storageWritten(seconds: number): void;
  /** One storage batch (group commit) with this many updates was written. */
  storageBatchWritten(updateCount: number): void;
  compacted(info: CompactionInfo): void;
  /** From receiving an update to sending its saved acknowledgement, in seconds. */
  acknowledged(seconds: number): void;
  /** A document held pending content after a load from storage or an update: an alarm (docs/operations.md). */
  pendingContent(after: 'load' | 'update'): void;
  /** The Prometheus text exposition of every series. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface ServerMetricsOptions {
  /** Include Node's process metrics (CPU, memory, GC, event-loop lag). Default true. */
  readonly processMetrics?: boolean;
}

// Latencies from 100 µs (an in-memory apply) to 10 s (a stalled disk).
const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  let sources: MetricsSources = { connections: () => 0, openDocuments: () => 0 };
  const kindCount = MESSAGE_KINDS.length;
  // [messages in, bytes in, messages out, bytes out] per kind, since the last scrape.
  const pending = new Float64Array(kindCount * 4);

  new Gauge({
    name: 'quire_connections',
    help: 'Open WebSocket connections.',
    registers: [registry],
    collect() {
      this.set(sources.connections());
    },
  });
  new Gauge({
    name: 'quire_open_documents',
    help: 'Documents loaded in memory (rooms).',
    registers: [registry],
    collect() {
      this.set(sources.openDocuments());
    },
  });
  const flush = (offset: number, counter: Counter<'type'>): void => {
    for (let kind = 0; kind < kindCount; kind += 1) {
      const value = pending[kind * 4 + offset]!;
      if (value === 0) continue;
      counter.inc({ type: MESSAGE_KINDS[kind]! }, value);
      pending[kind * 4 + offset] = 0;
    }
  };
  const messageCounter = (name: string, help: string, offset: number): void => {
    const counter: Counter<'type'> = new Counter({
      name,
      help,
      labelNames: ['type'],
      registers: [registry],
      collect() {
        flush(offset, counter);
      },
    });
    // Every type shows from the first scrape, at zero, so rate() has a start.
    for (const type of MESSAGE_KINDS) counter.inc({ type }, 0);
  };
  messageCounter('quire_messages_received_total', 'WebSocket messages received, by message type.', 0);
  messageCounter('quire_received_bytes_total', 'Bytes of WebSocket messages received, by message type.', 1);
  messageCounter('quire_messages_sent_total', 'WebSocket messages sent, by message type.', 2);
  messageCounter('quire_sent_bytes_total', 'Bytes of WebSocket messages sent, by message type.', 3);

  const closes = new Counter({
    name: 'quire_connection_closes_total',
    help: 'Closed WebSocket connections, by close code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const updateApply = new BucketHistogram({
    name: 'quire_update_apply_seconds',
    help: 'Time to apply one client update to its document; updates integrated together in one event-loop turn each count an equal share.',
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const storageWrite = new BucketHistogram({
    name: 'quire_storage_write_seconds',
    help: 'Time from appending an update to storage to its durable write (includes group-commit wait).',
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const batchSize = new BucketHistogram({
    name: 'quire_storage_batch_updates',
    help: "Log entries written per storage batch (group commit); a turn's joined changes are one entry.",
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const compactions = new Counter({
    name: 'quire_compactions_total',
    help: 'Document compactions that wrote a merged state.',
    labelNames: ['trigger'],
    registers: [registry],
  });
  const compactedBytes = new Counter({
    name: 'quire_compaction_reclaimed_bytes_total',
    help: 'Stored bytes removed by compactions (before minus after).',
    registers: [registry],
  });
  const acknowledgement = new BucketHistogram({
    name: 'quire_acknowledgement_delay_seconds',
    help: 'Time from receiving an update to sending its saved acknowledgement.',
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const pendingContent = new Counter({
    name: 'quire_pending_content_total',
    help: 'Times a document held content Yjs keeps pending (it builds on content the document lacks), after a load from storage or after an update; any is an alarm.',
    labelNames: ['after'],
    registers: [registry],
  });
  for (const trigger of ['automatic', 'requested']) compactions.inc({ trigger }, 0);
  for (const after of ['load', 'update']) pendingContent.inc({ after }, 0);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  return {
    registry,
    contentType: registry.contentType,
    setSources(next) {
      sources = next;
    },
    messageReceived(bytes) {
      const index = messageKindIndex(bytes) * 4;
      pending[index] = pending[index]! + 1;
      pending[index + 1] = pending[index + 1]! + bytes.byteLength;
    },
    messageSent(bytes) {
      const index = messageKindIndex(bytes) * 4;
      pending[index + 2] = pending[index + 2]! + 1;
      pending[index + 3] = pending[index + 3]! + bytes.byteLength;
    },
    connectionClosed(code) {
      closes.inc({ code: String(code) });
    },
    updateApplied(seconds) {
      updateApply.observe(seconds);
    },
    storageWritten(seconds) {
      storageWrite.observe(seconds);
    },
    storageBatchWritten(updateCount) {
      batchSize.observe(updateCount);
    },
    compacted(info) {
      compactions.inc({ trigger: info.automatic ? 'automatic' : 'requested' });
      compactedBytes.inc(Math.max(0, info.bytesBefore - info.bytesAfter));
    },
    acknowledged(seconds) {
      acknowledgement.observe(seconds);
    },
    pendingContent(after) {
      pendingContent.inc({ after });
    },
    render: () => registry.metrics(),
  };
}
