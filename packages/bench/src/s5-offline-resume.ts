import * as Y from 'yjs';
import { createSeededRandom } from '@quire/test-utils';
import { BenchClient } from './bench-client.ts';
import { closeClients, joinClients } from './join-clients.ts';
import { waitUntil, type Scenario } from './scenario.ts';

function insertRandomly(text: Y.Text, random: (below: number) => number, count: number): void {
  for (let index = 0; index < count; index += 1) {
    text.insert(random(text.length + 1), String.fromCharCode(97 + random(26)));
  }
}

function containsStructsOf(update: Uint8Array, clientId: number): boolean {
  return Y.decodeUpdate(update).structs.some((struct) => struct.id.client === clientId);
}

/**
 * A client edits offline while another keeps editing online, then reconnects:
 * time to converge, bytes each way, and whether it was sent its own edits back.
 */
export const s5OfflineResume: Scenario = {
  id: 'S5',
  title: 'offline resume',
  // On one server; clusters are measured in S1, S2 and S4.
  appliesTo: (target) => target.nodes === undefined,
  async run(harness, scale) {
    const { offlineEdits, othersEdits } = scale.s5;
    const docName = 's5-offline-resume';
    const wire = harness.createWire();
    const random = createSeededRandom(5);
    const offlineDoc = new Y.Doc();
    const onlineDoc = new Y.Doc();
    // Fixed client IDs: the diffs then have the same size on every target.
    offlineDoc.clientID = 5_001;
    onlineDoc.clientID = 5_002;
    const connect = (doc: Y.Doc, extra: Partial<ConstructorParameters<typeof BenchClient>[0]> = {}): BenchClient =>
      new BenchClient({ baseUrl: harness.baseUrl, docName, wire, doc, ...extra });

    const offline = connect(offlineDoc);
    const online = connect(onlineDoc);
    await joinClients([offline, online], harness.target);
    insertRandomly(offlineDoc.getText('text'), random, 100);
    await waitUntil(() => Y.getState(onlineDoc.store, offlineDoc.clientID) >= 100, 10_000);
    await offline.close();
    const knownToOthers = Y.encodeStateVector(offlineDoc);

    // The other client's edits reach the server (an observer confirms) while one is offline.
    const observerDoc = new Y.Doc();
    const observer = connect(observerDoc);
    await joinClients([observer], harness.target);
    insertRandomly(offlineDoc.getText('text'), random, offlineEdits);
    insertRandomly(onlineDoc.getText('text'), random, othersEdits);
    const onlineClock = Y.getState(onlineDoc.store, onlineDoc.clientID);
    await waitUntil(() => Y.getState(observerDoc.store, onlineDoc.clientID) >= onlineClock, 10_000);
    await observer.close();
    const othersDiff = Y.encodeStateAsUpdate(onlineDoc, Y.encodeStateVector(offlineDoc)).byteLength;
    const ownDiff = Y.encodeStateAsUpdate(offlineDoc, Y.encodeStateVector(onlineDoc)).byteLength;

    let echoedBytes = 0;
    const offlineClock = Y.getState(offlineDoc.store, offlineDoc.clientID);
    const start = performance.now();
    const resumed = connect(offlineDoc, {
      pushFrom: knownToOthers,
      onRemoteUpdate(update) {
        if (containsStructsOf(update, offlineDoc.clientID)) echoedBytes += update.byteLength;
      },
    });
    const converged = await waitUntil(
      () =>
        Y.getState(offlineDoc.store, onlineDoc.clientID) >= onlineClock &&
        Y.getState(onlineDoc.store, offlineDoc.clientID) >= offlineClock,
      30_000,
      1,
    );
    const convergeMs = performance.now() - start;
    await closeClients([resumed, online]);
    return {
      'reconnect to converged (ms)': converged ? convergeMs : Number.NaN,
      'bytes sent by the resuming client': resumed.bytesOut,
      'bytes received by the resuming client': resumed.bytesIn,
      'offline diff (bytes)': ownDiff,
      "others' diff (bytes)": othersDiff,
      'own edits echoed back (bytes)': echoedBytes,
    };
  },
};
