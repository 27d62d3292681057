import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_NORMAL } from '@quire/protocol';
import { createSilentLogger } from '../logger.ts';
import { ClientReplica, HeldStore, fakeConnection, turns } from '../../test/helpers/room-kit.ts';
import { Journal } from './journal.ts';
import type { RoomEventSink } from './room-events.ts';

interface Harness {
  readonly held: HeldStore;
  readonly journal: Journal;
  readonly doc: Y.Doc;
  readonly stored: string[];
  readonly writeFailures: unknown[];
  serving: boolean;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    harness.held.releaseAll();
    await harness.held.inner.close();
  }
});

/** A journal on a store whose appends the test releases by hand. */
function journalOnHeldStore(): Harness {
  const held = new HeldStore();
  held.holdingAppends = true;
  const doc = new Y.Doc();
  const stored: string[] = [];
  const writeFailures: unknown[] = [];
  const events: RoomEventSink = {
    loaded: () => undefined,
    changed: () => undefined,
    stored: (docName) => void stored.push(docName),
  };
  const harness: Harness = {
    held,
    doc,
    stored,
    writeFailures,
    serving: true,
    journal: new Journal({
      docName: 'doc',
      store: held.store,
      doc,
      logger: createSilentLogger(),
      metrics: undefined,
      events,
      serving: () => harness.serving,
      onWriteFailed: (error) => void writeFailures.push(error),
    }),
  };
  harnesses.push(harness);
  return harness;
}

const writer = new ClientReplica();

describe('Journal acknowledgements', () => {
  it('are sent only once the append covering the update is written', async () => {
    const { held, journal } = journalOnHeldStore();
    const { connection, socket } = fakeConnection();
    journal.append(writer.type('a'));
    journal.acknowledgeWhenStored(connection, 1, performance.now(), false);
    await turns();
    expect(socket.saved).toEqual([]);
    held.release(0);
    await turns();
    expect(socket.saved).toEqual([1]);
    expect(connection.updatesSaved).toBe(1);
  });

  it('are cumulative: one saved per connection for the updates one storage batch wrote', async () => {
    const { held, journal } = journalOnHeldStore();
    const ada = fakeConnection();
    const bob = fakeConnection();
    journal.append(writer.type('1'));
    journal.acknowledgeWhenStored(ada.connection, 1, performance.now(), false);
    journal.append(writer.type('2'));
    journal.acknowledgeWhenStored(ada.connection, 2, performance.now(), false);
    journal.append(writer.type('3'));
    journal.acknowledgeWhenStored(bob.connection, 1, performance.now(), false);
    expect(held.heldBatches).toBe(1);
    held.release(0);
    await turns();
    expect(ada.socket.saved).toEqual([2]);
    expect(bob.socket.saved).toEqual([1]);
  });

  it('never run ahead of a stored change: a later batch written first waits for the earlier one', async () => {
    const { held, journal } = journalOnHeldStore();
    const { connection, socket } = fakeConnection();
    journal.append(writer.type('first'));
    journal.acknowledgeWhenStored(connection, 1, performance.now(), false);
    await turns();
    journal.append(writer.type('second'));
    journal.acknowledgeWhenStored(connection, 2, performance.now(), false);
    // An update that carried nothing new waits for every append before it too.
    const joiner = fakeConnection();
    journal.acknowledgeWhenStored(joiner.connection, 1, performance.now(), false);
    expect(held.heldBatches).toBe(2);

    held.release(1);
    await turns();
    expect(socket.saved).toEqual([]);
    expect(joiner.socket.saved).toEqual([]);

    held.release(0);
    await turns();
    expect(socket.saved).toEqual([2]);
    expect(joiner.socket.saved).toEqual([1]);
  });

  it('go to quire.v1 connections only, and not while content is pending, a resync is owed, or once closed', async () => {
    const { held, journal } = journalOnHeldStore();
    const stock = fakeConnection({ extensions: false });
    const pending = fakeConnection();
    const resyncing = fakeConnection();
    resyncing.connection.awaitingResync = true;
    const closed = fakeConnection();
    closed.connection.close(CLOSE_NORMAL);
    journal.append(writer.type('x'));
    journal.acknowledgeWhenStored(stock.connection, 1, 0, false);
    journal.acknowledgeWhenStored(pending.connection, 1, 0, true);
    journal.acknowledgeWhenStored(resyncing.connection, 1, 0, false);
    journal.acknowledgeWhenStored(closed.connection, 1, 0, false);
    held.release(0);
    await turns();
    for (const { connection, socket } of [stock, pending, resyncing, closed]) {
      expect(socket.saved).toEqual([]);
      expect(connection.updatesSaved).toBe(0);
    }
  });

  it('stop when the room stops serving', async () => {
    const harness = journalOnHeldStore();
    const { connection, socket } = fakeConnection();
    harness.journal.append(writer.type('x'));
    harness.journal.acknowledgeWhenStored(connection, 1, 0, false);
    harness.serving = false;
    harness.held.release(0);
    await turns();
    expect(socket.saved).toEqual([]);
    expect(harness.stored).toEqual([]);
  });
});

describe('Journal appends', () => {
  it('report stored once every append issued so far is written, not before', async () => {
    const { held, journal, stored } = journalOnHeldStore();
    journal.append(writer.type('a'));
    await turns();
    journal.append(writer.type('b'));
    held.release(0);
    await turns();
    expect(stored).toEqual([]);
    held.release(1);
    await turns();
    expect(stored).toEqual(['doc']);
    expect(journal.appended).toBe(2);
    await expect(journal.whenWritten()).resolves.toBeUndefined();
  });

  it('report a failed write once, and whenWritten rejects with it', async () => {
    const { held, journal, writeFailures, stored } = journalOnHeldStore();
    const { connection, socket } = fakeConnection();
    journal.append(writer.type('lost'));
    journal.acknowledgeWhenStored(connection, 1, 0, false);
    const failure = new Error('disk on fire');
    held.failBatch(0, failure);
    await expect(journal.whenWritten()).rejects.toBe(failure);
    await turns();
    expect(writeFailures).toEqual([failure]);
    expect(socket.saved).toEqual([]);
    expect(stored).toEqual([]);
  });

  it('raise the pending-content alarm only when the document holds pending content', () => {
    const { journal, doc } = journalOnHeldStore();
    expect(journal.holdsPendingContent('update')).toBe(false);
    const client = new ClientReplica();
    client.type('missing');
    Y.applyUpdate(doc, client.type(' builds on it'));
    expect(journal.holdsPendingContent('update')).toBe(true);
  });
});
