import * as Y from 'yjs';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { cpuPerDelivered, startCpuMeter } from './cpu-meter.ts';
import { PeakRssMonitor } from './process-sampler.ts';
import { waitUntil, type Figures, type Scenario } from './scenario.ts';
import { percentile, sortNumbers } from './statistics.ts';

/**
 * One writer inserts on a timer; every reader's delivery latency is recorded.
 * On a cluster the writer is on the first node and reader i on node i mod n,
 * so some readers share the writer's node and the rest are a node away.
 */
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
    const crossNodeLatencies: number[] = [];
    const sameNodeLatencies: number[] = [];
    const connect = (baseUrl: string, doc: Y.Doc, onRemoteUpdate?: () => void): BenchClient =>
      new BenchClient({ baseUrl, docName, wire, doc, ...(onRemoteUpdate ? { onRemoteUpdate } : {}) });

    const writer = connect(harness.baseUrls[0]!, writerDoc);
    await joinClients([writer], harness.target);
    const readers: BenchClient[] = [];
    const seen: number[] = [];
    for (let index = 0; index < readerCount; index += 1) {
      const doc = new Y.Doc();
      const node = index % harness.baseUrls.length;
      seen.push(0);
      readers.push(
        connect(harness.baseUrls[node]!, doc, () => {
          const now = performance.now();
          const state = Y.getState(doc.store, writerId);
          for (let clock = seen[index]! + 1; clock <= state; clock += 1) {
            const latency = now - sentAt[clock - 1]!;
            latencies.push(latency);
            (node === 0 ? sameNodeLatencies : crossNodeLatencies).push(latency);
          }
          seen[index] = Math.max(seen[index]!, state);
        }),
      );
    }
    await joinClients(readers, harness.target);

    const inserts = Math.floor(durationMs / intervalMs);
    const cpu = startCpuMeter(harness);
    const rss = new PeakRssMonitor(harness.servers.map((server) => server.pid));
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
    const spent = cpu();
    const peakRss = rss.stop();
    await closeClients([writer, ...readers]);

    const sorted = sortNumbers(latencies);
    const figures: Figures = {
      'p50 latency (ms)': percentile(sorted, 0.5),
      'p95 latency (ms)': percentile(sorted, 0.95),
      'p99 latency (ms)': percentile(sorted, 0.99),
      'max latency (ms)': sorted[sorted.length - 1] ?? Number.NaN,
      'server CPU (ms)': spent.servers,
      'peak RSS (MiB)': peakRss / 2 ** 20,
      'delivered (%)': (100 * latencies.length) / (inserts * readerCount),
    };
    if (harness.target.nodes === undefined) return figures;
    // A cluster's figures: every node's CPU together, its Redis's and PostgreSQL's apart.
    const crossNode = sortNumbers(crossNodeLatencies);
    return {
      ...figures,
      // Beside the cross-node figures: what the hop between nodes adds.
      'same-node p50 latency (ms)': percentile(sortNumbers(sameNodeLatencies), 0.5),
      'cross-node p50 latency (ms)': percentile(crossNode, 0.5),
      'cross-node p99 latency (ms)': percentile(crossNode, 0.99),
      ...cpuPerDelivered(spent, latencies.length),
    };
  },
};
