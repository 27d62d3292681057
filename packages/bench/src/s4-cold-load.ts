import * as Y from 'yjs';
import { BenchClient } from './bench-client.ts';
import { directorySize } from './directory-size.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { sleep, waitUntil, type Figures, type Scenario } from './scenario.ts';
import { percentile, sortNumbers } from './statistics.ts';

// Inserts the writer may have ahead of what the server confirmed: received by
// the observer, and on servers that acknowledge, also stored. A client that
// waits for its saved acknowledgements sends no faster than storage keeps up.
const WINDOW = 32;
const STALL_TIMEOUT_MS = 30_000;

/**
 * Many small updates, a restart, then one new client: how long until it holds
 * the whole document, and whether everything written survived. On a cluster
 * the writer is on the first node, the observer on the last, and after the
 * restart of every node the new client joins the second.
 */
export const s4ColdLoad: Scenario = {
  id: 'S4',
  title: 'cold load',
  appliesTo: (target) => target.persistent,
  async run(harness, scale) {
    const { updates, restartDelayMs } = scale.s4;
    const docName = 's4-cold-load';
    const wire = harness.createWire();
    const writerDoc = new Y.Doc();
    const observerDoc = new Y.Doc();
    const text = writerDoc.getText('text');
    const sentAt = new Map<number, number>();
    const ackLatencies: number[] = [];
    let acknowledged = 0;
    const { baseUrls } = harness;
    const writer = new BenchClient({
      baseUrl: baseUrls[0]!,
      docName,
      wire,
      doc: writerDoc,
      onSaved(count) {
        const now = performance.now();
        for (let sequence = acknowledged + 1; sequence <= count; sequence += 1) {
          const sent = sentAt.get(sequence);
          if (sent !== undefined) ackLatencies.push(now - sent);
          sentAt.delete(sequence);
        }
        acknowledged = Math.max(acknowledged, count);
      },
    });
    const observer = new BenchClient({ baseUrl: baseUrls[baseUrls.length - 1]!, docName, wire, doc: observerDoc });
    await joinClients([writer, observer], harness.target);

    const start = performance.now();
    let written = 0;
    const sentBefore = writer.updatesSent;
    const observed = (): number => Y.getState(observerDoc.store, writerDoc.clientID);
    const received = harness.target.acknowledges
      ? (): number => Math.min(observed(), Math.max(0, acknowledged - sentBefore))
      : observed;
    while (written < updates) {
      while (written < updates && written - received() < WINDOW) {
        text.insert(text.length, 'x');
        written += 1;
        sentAt.set(writer.updatesSent, performance.now());
      }
      // A target that stops confirming fails the run rather than holding it forever.
      if (!(await waitUntil(() => written - received() < WINDOW, STALL_TIMEOUT_MS, 1))) {
        await closeClients([writer, observer]);
        throw new Error(`the writer stalled: ${received()} of ${written} inserts confirmed after ${STALL_TIMEOUT_MS / 1000} s without progress`);
      }
    }
    await waitUntil(() => observed() >= updates, 30_000, 1);
    const writeMs = performance.now() - start;
    // Only Quire acknowledges; wait for the last acknowledgement where they come.
    if (acknowledged > 0) await waitUntil(() => acknowledged >= writer.updatesSent, 10_000, 1);
    await closeClients([writer, observer]);

    await sleep(restartDelayMs);
    await harness.restart();
    const loadStart = performance.now();
    const loadedDoc = new Y.Doc();
    const reader = new BenchClient({ baseUrl: baseUrls[1 % baseUrls.length]!, docName, wire, doc: loadedDoc });
    await joinClients([reader], harness.target);
    const coldLoadMs = performance.now() - loadStart;
    const complete = loadedDoc.getText('text').length;
    await closeClients([reader]);

    const sorted = sortNumbers(ackLatencies);
    const figures: Figures = {
      'write phase (ms)': writeMs,
      'ack delay p99 (ms)': sorted.length > 0 ? percentile(sorted, 0.99) : Number.NaN,
      'cold load (ms)': coldLoadMs,
      'document complete after restart (%)': (100 * complete) / updates,
    };
    // A cluster stores in PostgreSQL; its data directory stays empty.
    if (harness.target.nodes !== undefined) return figures;
    return { ...figures, 'data directory (MiB)': directorySize(harness.dataDir) / 2 ** 20 };
  },
};
