import * as Y from 'yjs';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { PeakRssMonitor, sampleProcess } from './process-sampler.ts';
import { waitUntil, type Scenario } from './scenario.ts';
import { percentile, sortNumbers } from './statistics.ts';

/** One writer inserts on a timer; every reader's delivery latency is recorded. */
export const s1FanOut: Scenario = {
  id: 'S1',
  title: 'fan-out latency',
  appliesTo: () => true,
  async run(harness, scale) {
    const { readers: readerCount, intervalMs, durationMs } = scale.s1;
    const docName = 's1-fan-out';
    const wire = harness.createWire();
    const writerDoc = new Y.Doc();
    const writerId = writerDoc.clientID;
    const text = writerDoc.getText('text');
    const sentAt: number[] = [];
    const latencies: number[] = [];
    const connect = (doc: Y.Doc, onRemoteUpdate?: () => void): BenchClient =>
      new BenchClient({ baseUrl: harness.baseUrl, docName, wire, doc, ...(onRemoteUpdate ? { onRemoteUpdate } : {}) });

    const writer = connect(writerDoc);
    await joinClients([writer], harness.target);
    const readers: BenchClient[] = [];
    const seen: number[] = [];
    for (let index = 0; index < readerCount; index += 1) {
      const doc = new Y.Doc();
      seen.push(0);
      readers.push(
        connect(doc, () => {
          const now = performance.now();
          const state = Y.getState(doc.store, writerId);
          for (let clock = seen[index]! + 1; clock <= state; clock += 1) latencies.push(now - sentAt[clock - 1]!);
          seen[index] = Math.max(seen[index]!, state);
        }),
      );
    }
    await joinClients(readers, harness.target);

    const inserts = Math.floor(durationMs / intervalMs);
    const cpuBefore = sampleProcess(harness.server.pid).cpuMs;
    const rss = new PeakRssMonitor(harness.server.pid);
    const start = performance.now();
    for (let index = 0; index < inserts; index += 1) {
      // Scheduled against the start, so timer lateness does not pile up.
      const due = start + index * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sentAt.push(performance.now());
      text.insert(text.length, 'x');
    }
    await waitUntil(() => seen.every((value) => value >= inserts), 15_000);
    const cpuMs = sampleProcess(harness.server.pid).cpuMs - cpuBefore;
    const peakRss = rss.stop();
    await closeClients([writer, ...readers]);

    const sorted = sortNumbers(latencies);
    return {
      'p50 latency (ms)': percentile(sorted, 0.5),
      'p95 latency (ms)': percentile(sorted, 0.95),
      'p99 latency (ms)': percentile(sorted, 0.99),
      'max latency (ms)': sorted[sorted.length - 1] ?? Number.NaN,
      'server CPU (ms)': cpuMs,
      'peak RSS (MiB)': peakRss / 2 ** 20,
      'delivered (%)': (100 * latencies.length) / (inserts * readerCount),
    };
  },
};
