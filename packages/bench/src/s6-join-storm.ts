import * as Y from 'yjs';
import { createSeededRandom } from '@quire/test-utils';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { PeakRssMonitor, sampleProcess } from './process-sampler.ts';
import type { Scenario, ScenarioHarness } from './scenario.ts';
import { median, percentile, sortNumbers } from './statistics.ts';

const CHUNK_BYTES = 1024;
const AUTHORS = 4;
const SINGLE_JOINS = 3;

/** A document of about `bytes` built by several authors in chunks at random places, like real text. */
function buildDocument(bytes: number): Y.Doc {
  const random = createSeededRandom(6);
  const authors = Array.from({ length: AUTHORS }, () => new Y.Doc());
  const chunk = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(CHUNK_BYTES / 27)).slice(0, CHUNK_BYTES);
  const chunks = Math.ceil(bytes / CHUNK_BYTES);
  for (let index = 0; index < chunks; index += 1) {
    const author = authors[index % AUTHORS]!;
    const text = author.getText('text');
    text.insert(random(text.length + 1), chunk);
    // Keep the authors in sync so later inserts land between each other's.
    if (index % 64 === 63 || index === chunks - 1) {
      for (const other of authors) if (other !== author) Y.applyUpdate(other, Y.encodeStateAsUpdate(author));
    }
  }
  for (const other of authors.slice(1)) Y.applyUpdate(authors[0]!, Y.encodeStateAsUpdate(other));
  return authors[0]!;
}

/** Joins one client that only counts what it receives; resolves with its wait in ms and step 2 size. */
async function timeJoin(harness: ScenarioHarness, docName: string) {
  const start = performance.now();
  let step2Bytes = 0;
  const joiner = new BenchClient({
    baseUrl: harness.baseUrl,
    docName,
    wire: harness.createWire(),
    doc: null,
    onRemoteUpdate(update, isStep2) {
      if (isStep2 && step2Bytes === 0) step2Bytes = update.byteLength;
    },
  });
  await joinClients([joiner], harness.target);
  return { joiner, waitMs: (joiner.syncedAt ?? Number.NaN) - start, step2Bytes };
}

/** Many clients open one large document at the same moment. */
export const s6JoinStorm: Scenario = {
  id: 'S6',
  title: 'join storm',
  // On one server; clusters are measured in S1, S2 and S4.
  appliesTo: (target) => target.holdsState && target.nodes === undefined,
  async run(harness, scale) {
    const { documentBytes, joiners } = scale.s6;
    const docName = 's6-join-storm';
    const seedDoc = buildDocument(documentBytes);
    const fullSize = Y.encodeStateAsUpdate(seedDoc).byteLength;
    // The seeder stays connected so the document stays loaded throughout.
    const seeder = new BenchClient({ baseUrl: harness.baseUrl, docName, wire: harness.createWire(), doc: seedDoc });
    await joinClients([seeder], harness.target);
    let holds = false;
    for (let attempt = 0; attempt < 100 && !holds; attempt += 1) {
      const probe = await timeJoin(harness, docName);
      await probe.joiner.close();
      holds = probe.step2Bytes >= fullSize * 0.99;
      if (!holds) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!holds) throw new Error('the server never held the seeded document');

    const singles: number[] = [];
    for (let index = 0; index < SINGLE_JOINS; index += 1) {
      const single = await timeJoin(harness, docName);
      singles.push(single.waitMs);
      await single.joiner.close();
    }

    const rss = new PeakRssMonitor([harness.server.pid]);
    const cpuBefore = sampleProcess(harness.server.pid).cpuMs;
    const storm = await Promise.all(Array.from({ length: joiners }, () => timeJoin(harness, docName)));
    const cpuMs = sampleProcess(harness.server.pid).cpuMs - cpuBefore;
    const peakRss = rss.stop();
    await closeClients([seeder, ...storm.map((join) => join.joiner)]);
    const waits = sortNumbers(storm.map((join) => join.waitMs));
    const singleMs = median(singles);
    const complete = storm.filter((join) => join.step2Bytes >= fullSize * 0.99).length;
    return {
      'document (MiB)': fullSize / 2 ** 20,
      'one client alone (ms)': singleMs,
      'storm p50 wait (ms)': percentile(waits, 0.5),
      'storm max wait (ms)': waits[waits.length - 1] ?? Number.NaN,
      'max wait / alone': (waits[waits.length - 1] ?? Number.NaN) / singleMs,
      'joiners holding it (%)': (100 * complete) / joiners,
      'server CPU per joiner (ms)': cpuMs / joiners,
      'peak RSS (MiB)': peakRss / 2 ** 20,
    };
  },
};
