import * as Y from 'yjs';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { sampleProcess } from './process-sampler.ts';
import { sleep, type Scenario } from './scenario.ts';

// Connections opened at once: stays below the default listen backlog (511).
const CONNECT_BATCH = 200;
const SETTLE_MS = 1_000;

/** Many quiet connections spread over many documents: what each one costs. */
export const s3IdleConnections: Scenario = {
  id: 'S3',
  title: 'idle connections',
  // A single server's memory; clusters are measured in S1, S2 and S4.
  appliesTo: (target) => target.nodes === undefined,
  async run(harness, scale) {
    const { connections, documents } = scale.s3;
    const wire = harness.createWire();
    await sleep(200);
    const before = sampleProcess(harness.server.pid).rssBytes;
    const clients: BenchClient[] = [];
    const start = performance.now();
    for (let first = 0; first < connections; first += CONNECT_BATCH) {
      const batch: BenchClient[] = [];
      for (let index = first; index < Math.min(connections, first + CONNECT_BATCH); index += 1) {
        batch.push(
          new BenchClient({ baseUrl: harness.baseUrl, docName: `s3-document-${index % documents}`, wire, doc: new Y.Doc() }),
        );
      }
      await joinClients(batch, harness.target);
      clients.push(...batch);
    }
    const connectMs = performance.now() - start;
    await sleep(SETTLE_MS);
    const after = sampleProcess(harness.server.pid);
    const open = clients.filter((client) => client.isOpen).length;
    await closeClients(clients);
    return {
      'connect all (ms)': connectMs,
      'RSS per connection (KiB)': (after.rssBytes - before) / connections / 1024,
      'RSS with all connected (MiB)': after.rssBytes / 2 ** 20,
      'still open after settle (%)': (100 * open) / connections,
    };
  },
};
