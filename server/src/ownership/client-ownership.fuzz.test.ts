import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createSeededRandom } from '@quire/test-utils';
import { ClientOwnership, type Writer } from './client-ownership.ts';
import { inspectUpdate } from '@quire/yjs-update';

/**
 * Honest y-websocket-like clients through a server that enforces the
 * ownership and gap rules, with in-flight messages, disconnects, offline
 * edits and server restarts that lose the tail of the log. The rules must
 * never refuse an honest client for ownership, every gap must heal through
 * SyncStep1, and everything must converge with no pending structs.
 */

type Message =
  | { readonly kind: 'step-1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'step-2' | 'update'; readonly update: Uint8Array };

interface Link {
  readonly writer: Writer;
  readonly client: SimClient;
  readonly toServer: Message[];
  readonly toClient: Message[];
}

interface SimClient {
  readonly doc: Y.Doc;
  link: Link | null;
}

function simulate(seed: number, steps: number) {
  const random = createSeededRandom(seed);
  const stats = { foreign: 0, gaps: 0, applied: 0, restarts: 0 };
  let serverDoc = new Y.Doc();
  let log: Uint8Array[] = [];
  let ownership = new ClientOwnership();
  let links: Link[] = [];
  let nextConnectionId = 1;

  const bindServer = (doc: Y.Doc): void => {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      log.push(update);
      for (const link of links) if (link.writer !== origin) link.toClient.push({ kind: 'update', update });
    });
  };
  bindServer(serverDoc);

  const clients: SimClient[] = Array.from({ length: 4 }, (_, index) => {
    const doc = new Y.Doc();
    doc.clientID = 1000 + index;
    const client: SimClient = { doc, link: null };
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'server' && client.link !== null) client.link.toServer.push({ kind: 'update', update });
    });
    return client;
  });

  const connect = (client: SimClient): void => {
    const link: Link = { writer: { connectionId: nextConnectionId++ }, client, toServer: [], toClient: [] };
    client.link = link;
    links.push(link);
    link.toServer.push({ kind: 'step-1', stateVector: Y.encodeStateVector(client.doc) });
    link.toClient.push({ kind: 'step-1', stateVector: Y.encodeStateVector(serverDoc) });
  };
  const disconnect = (client: SimClient): void => {
    if (client.link === null) return;
    ownership.releaseConnection(client.link.writer.connectionId);
    links = links.filter((link) => link !== client.link);
    client.link = null;
  };

  const deliverToServer = (link: Link): void => {
    const message = link.toServer.shift();
    if (message === undefined) return;
    if (message.kind === 'step-1') {
      link.toClient.push({ kind: 'step-2', update: Y.encodeStateAsUpdate(serverDoc, message.stateVector) });
      return;
    }
    const inspection = inspectUpdate(message.update);
    if (!inspection.ok) throw new Error(`honest update rejected: ${inspection.code} ${inspection.detail}`);
    const verdict = ownership.check({
      inspection,
      writer: link.writer,
      kind: message.kind === 'step-2' ? 'sync-step-2' : 'sync-update',
      serverClock: (id) => Y.getState(serverDoc.store, id),
    });
    if (!verdict.ok) {
      if (verdict.code === 'ERR_UPDATE_FOREIGN_CLIENT') stats.foreign++;
      stats.gaps++;
      link.toClient.push({ kind: 'step-1', stateVector: Y.encodeStateVector(serverDoc) });
      return;
    }
    Y.applyUpdate(serverDoc, message.update, link.writer);
    ownership.commit(verdict, link.writer);
    stats.applied++;
  };
  const deliverToClient = (link: Link): void => {
    const message = link.toClient.shift();
    if (message === undefined) return;
    if (message.kind === 'step-1') {
      link.toServer.push({ kind: 'step-2', update: Y.encodeStateAsUpdate(link.client.doc, message.stateVector) });
    } else {
      Y.applyUpdate(link.client.doc, message.update, 'server');
    }
  };

  const edit = (client: SimClient): void => {
    const text = client.doc.getText('text');
    const choice = random(4);
    if (choice === 0 && text.length > 0) {
      const index = random(text.length);
      text.delete(index, Math.min(1 + random(3), text.length - index));
    } else if (choice === 1) {
      client.doc.getMap('map').set(`k${random(5)}`, random(100));
    } else {
      text.insert(random(text.length + 1), String.fromCharCode(97 + random(26)).repeat(1 + random(3)));
    }
  };

  for (const client of clients) connect(client);
  for (let step = 0; step < steps; step++) {
    const client = clients[random(clients.length)] as SimClient;
    const roll = random(100);
    if (roll < 30) edit(client);
    else if (roll < 60 && client.link !== null) deliverToServer(client.link);
    else if (roll < 90 && client.link !== null) deliverToClient(client.link);
    else if (roll < 95) disconnect(client);
    else if (roll < 99 && client.link === null) connect(client);
    else if (roll === 99) {
      // Restart that lost the tail of the log: every connection drops.
      stats.restarts++;
      for (const each of clients) disconnect(each);
      const kept = log.slice(0, random(log.length + 1));
      serverDoc = new Y.Doc();
      if (kept.length > 0) Y.applyUpdate(serverDoc, Y.mergeUpdates(kept), 'storage');
      log = [...kept];
      bindServer(serverDoc);
      ownership = new ClientOwnership();
    }
  }

  // Everyone reconnects; deliver until quiet.
  for (const client of clients) if (client.link === null) connect(client);
  for (let round = 0; links.some((link) => link.toServer.length > 0 || link.toClient.length > 0); round++) {
    if (round > 10_000) throw new Error('did not quiesce');
    for (const link of links) {
      deliverToServer(link);
      deliverToClient(link);
    }
  }
  return { serverDoc, clients, stats };
}

describe('ownership and gap rules with honest clients', () => {
  const seeds = process.env['SEED'] !== undefined ? [Number(process.env['SEED'])] : Array.from({ length: 40 }, (_, i) => i + 1);
  it.each(seeds)('never refuse an honest writer for ownership and converge (seed %i)', (seed) => {
    const { serverDoc, clients, stats } = simulate(seed, Number(process.env['FUZZ_STEPS'] ?? 400));
    expect(stats.foreign, `seed ${seed}`).toBe(0);
    expect(serverDoc.store.pendingStructs).toBeNull();
    expect(serverDoc.store.pendingDs).toBeNull();
    const expected = Y.encodeStateVector(serverDoc);
    for (const client of clients) {
      expect(Y.encodeStateVector(client.doc)).toEqual(expected);
      expect(client.doc.getText('text').toString()).toBe(serverDoc.getText('text').toString());
      expect(client.doc.getMap('map').toJSON()).toEqual(serverDoc.getMap('map').toJSON());
    }
    expect(stats.applied).toBeGreaterThan(0);
  });

  it('exercises gaps and restarts across the seeds', () => {
    let gaps = 0;
    let restarts = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { stats } = simulate(seed, 400);
      gaps += stats.gaps;
      restarts += stats.restarts;
    }
    expect(gaps).toBeGreaterThan(0);
    expect(restarts).toBeGreaterThan(0);
  });
});
