import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '@quire/storage';
import { QUIRE_SUBPROTOCOL, encodeAuthToken } from '@quire/protocol';
import { createJwtAuthorizer, type ServerEventMap, type ServerEventName, type SyncServer } from '../src/index.ts';
import { createHoldingStore } from './helpers/holding-store.ts';
import {
  connectStockClient,
  destroyStockClients,
  waitForConvergence,
  waitForSynced,
  type StockClient,
} from './helpers/stock-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';
import { signToken, TEST_SECRET } from './security/helpers/tokens.ts';
import { RawClient } from './helpers/raw-client.ts';

// The server's public events, each seen by an embedding app's listener while
// stock y-websocket clients use a real in-process server.

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

type Recorded = { [Name in ServerEventName]: { readonly name: Name; readonly event: ServerEventMap[Name] } }[ServerEventName];

const EVENT_NAMES: readonly ServerEventName[] = [
  'documentLoaded',
  'documentChanged',
  'documentStored',
  'connectionOpened',
  'connectionClosed',
];

/** Every event the server emits, in order. */
function record(server: SyncServer): Recorded[] {
  const seen: Recorded[] = [];
  for (const name of EVENT_NAMES) server.on(name, (event) => void seen.push({ name, event } as Recorded));
  return seen;
}

function named<Name extends ServerEventName>(seen: readonly Recorded[], name: Name): ServerEventMap[Name][] {
  return seen.filter((entry) => entry.name === name).map((entry) => entry.event as ServerEventMap[Name]);
}

async function startJwtServer(documentChangedDebounceMs: number, store = createMemoryStore()): Promise<SyncServer> {
  return startTestServer({ store, authorize: await createJwtAuthorizer({ secret: TEST_SECRET }), documentChangedDebounceMs });
}

function connectAs(server: SyncServer, user: string, docName: string): StockClient {
  return connectStockClient(server.url, docName, { params: { token: signToken({ sub: user, write: ['*'] }) } });
}

describe('documentLoaded', () => {
  it('comes once per load of a document, however many connect', async () => {
    const server = await startTestServer();
    const seen = record(server);
    const clients = [connectStockClient(server.url, 'team/plan'), connectStockClient(server.url, 'team/plan')];
    await waitForSynced(...clients);
    await vi.waitFor(() => expect(named(seen, 'documentLoaded')).toEqual([{ documentName: 'team/plan' }]));
    await server.documents.change('team/other', (doc) => doc.getText('text').insert(0, 'x'));
    await vi.waitFor(() =>
      expect(named(seen, 'documentLoaded')).toEqual([{ documentName: 'team/plan' }, { documentName: 'team/other' }]),
    );
  });
});

describe('documentChanged', () => {
  it('lists every authenticated author of a burst of edits once, in one event, then each later period alone', async () => {
    const server = await startJwtServer(300);
    const seen = record(server);
    const alice = connectAs(server, 'alice', 'shared');
    const bob = connectAs(server, 'bob', 'shared');
    await waitForSynced(alice, bob);

    // Many edits from both, in one burst: one debounced period.
    for (let index = 0; index < 20; index += 1) {
      alice.doc.getText('text').insert(0, 'a');
      bob.doc.getText('text').insert(0, 'b');
    }
    await waitForConvergence([alice.doc, bob.doc]);
    await vi.waitFor(() => expect(named(seen, 'documentStored')).toHaveLength(1));

    const opened = named(seen, 'connectionOpened');
    const idOf = (user: string): number | undefined => opened.find((event) => event.user === user)?.connectionId;
    const changed = named(seen, 'documentChanged');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.documentName).toBe('shared');
    expect([...changed[0]!.changedBy].sort((x, y) => (x.user ?? '').localeCompare(y.user ?? ''))).toEqual([
      { connectionId: idOf('alice'), user: 'alice' },
      { connectionId: idOf('bob'), user: 'bob' },
    ]);

    // The next period has only its own author.
    bob.doc.getText('text').insert(0, 'again');
    await vi.waitFor(() => expect(named(seen, 'documentChanged')).toHaveLength(2));
    expect(named(seen, 'documentChanged')[1]).toEqual({
      documentName: 'shared',
      changedBy: [{ connectionId: idOf('bob'), user: 'bob' }],
    });
  });

  it('names the server as the author of a change made through server.documents', async () => {
    const server = await startTestServer({ documentChangedDebounceMs: 0 });
    const seen = record(server);
    await server.documents.change('by-server', (doc) => doc.getMap('meta').set('state', 'published'));
    await vi.waitFor(() =>
      expect(named(seen, 'documentChanged')).toEqual([{ documentName: 'by-server', changedBy: [{ server: true }] }]),
    );
  });

  it('still pending when the server closes is emitted before close resolves', async () => {
    // A debounce far longer than the test: only the close can end the period.
    const server = await startTestServer({ documentChangedDebounceMs: 600_000 });
    const seen = record(server);
    const writer = connectStockClient(server.url, 'closing');
    const observer = connectStockClient(server.url, 'closing');
    await waitForSynced(writer, observer);
    writer.doc.getText('text').insert(0, 'last words');
    // The observer has it: the server applied it.
    await waitForConvergence([writer.doc, observer.doc]);
    expect(named(seen, 'documentChanged')).toEqual([]);

    await server.close();
    expect(seen.map((entry) => entry.name).filter((name) => name.startsWith('document'))).toEqual([
      'documentLoaded',
      'documentChanged',
      'documentStored',
    ]);
    expect(named(seen, 'documentChanged')[0]!.changedBy).toEqual([{ connectionId: expect.any(Number) as number }]);
  });
});

describe('documentStored', () => {
  it('follows documentChanged once the store has confirmed every change, not before', async () => {
    const store = createHoldingStore(createMemoryStore());
    const server = await startTestServer({ store, documentChangedDebounceMs: 10 });
    const seen = record(server);
    const writer = connectStockClient(server.url, 'durable');
    await waitForSynced(writer);

    store.hold();
    writer.doc.getText('text').insert(0, 'held');
    await vi.waitFor(() => expect(named(seen, 'documentChanged')).toHaveLength(1));
    // The period is over and its change is applied, but storage has not confirmed it.
    expect(store.heldAppends).toBeGreaterThan(0);
    expect(named(seen, 'documentStored')).toEqual([]);

    store.release();
    await vi.waitFor(() => expect(named(seen, 'documentStored')).toEqual([{ documentName: 'durable' }]));
    const order = seen.map((entry) => entry.name).filter((name) => name === 'documentChanged' || name === 'documentStored');
    expect(order).toEqual(['documentChanged', 'documentStored']);
  });
});

describe('connectionOpened and connectionClosed', () => {
  it('carry the connection, its authenticated user and the close code', async () => {
    const server = await startJwtServer(0);
    const seen = record(server);
    const alice = connectAs(server, 'alice', 'room-1');
    // Without a token a stock client is refused at the upgrade: no session, no event.
    const anonymous = connectStockClient(server.url, 'room-1');
    const refused = new Promise((resolve) => anonymous.provider.once('connection-close', resolve));
    await waitForSynced(alice);
    await refused;
    anonymous.destroy();
    await vi.waitFor(() => expect(named(seen, 'connectionOpened')).toHaveLength(1));
    const [opened] = named(seen, 'connectionOpened');
    expect(opened).toEqual({ documentName: 'room-1', connectionId: expect.any(Number) as number, user: 'alice' });

    alice.destroy();
    await vi.waitFor(() => expect(named(seen, 'connectionClosed')).toHaveLength(1));
    expect(named(seen, 'connectionClosed')[0]).toEqual({
      documentName: 'room-1',
      connectionId: opened!.connectionId,
      user: 'alice',
      closeCode: expect.any(Number) as number,
    });

    const bob = connectAs(server, 'bob', 'room-1');
    await waitForSynced(bob);
    await server.close();
    // Closed by the server's shutdown, with 1001 (going away), reported before close resolved.
    expect(named(seen, 'connectionClosed')[1]).toEqual({
      documentName: 'room-1',
      connectionId: expect.any(Number) as number,
      user: 'bob',
      closeCode: 1001,
    });
  });
  it('come once a quire.v1 client that authenticates by message is authorized, with its user; never if it is not', async () => {
    const server = await startJwtServer(0);
    const seen = record(server);
    const refused = new RawClient(`${server.url}/room-2`, [QUIRE_SUBPROTOCOL]);
    await refused.opened;
    refused.send(encodeAuthToken(signToken({ sub: 'mallory', write: ['*'] }, 'a-different-secret-of-32-bytes-xx')));
    await refused.closed;

    const client = new RawClient(`${server.url}/room-2`, [QUIRE_SUBPROTOCOL]);
    await client.opened;
    // Accepted, not yet authorized: no event.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(named(seen, 'connectionOpened')).toEqual([]);
    client.send(encodeAuthToken(signToken({ sub: 'carol', write: ['*'] })));
    await client.next('sync-step-1');
    await vi.waitFor(() => expect(named(seen, 'connectionOpened')).toHaveLength(1));
    const [opened] = named(seen, 'connectionOpened');
    expect(opened).toEqual({ documentName: 'room-2', connectionId: expect.any(Number) as number, user: 'carol' });
    client.close();
    await vi.waitFor(() => expect(named(seen, 'connectionClosed')).toHaveLength(1));
    expect(named(seen, 'connectionClosed')[0]).toMatchObject({ connectionId: opened!.connectionId, user: 'carol' });
  });
});

describe('a listener that throws or rejects', () => {
  it('is logged and isolated: other listeners, rooms and the server go on', async () => {
    const lines: { level: number; msg: string; event?: string }[] = [];
    const logSink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
        done();
      },
    });
    const server = await startTestServer({ documentChangedDebounceMs: 0, logger: pino({ level: 'info' }, logSink) });
    for (const name of EVENT_NAMES) {
      server.on(name, () => {
        throw new Error(`listener of ${name} broke`);
      });
      server.on(name, () => Promise.reject(new Error(`async listener of ${name} broke`)));
    }
    const seen = record(server);

    const first = connectStockClient(server.url, 'sturdy');
    const second = connectStockClient(server.url, 'sturdy');
    await waitForSynced(first, second);
    first.doc.getText('text').insert(0, 'still ');
    second.doc.getText('text').insert(0, 'working');
    await waitForConvergence([first.doc, second.doc]);
    await server.documents.change('sturdy', (doc) => doc.getText('text').insert(0, '> '));
    await vi.waitFor(() => expect(first.doc.getText('text').toString()).toMatch(/^> /));
    first.destroy();

    await vi.waitFor(() => {
      for (const name of EVENT_NAMES) expect(named(seen, name).length, name).toBeGreaterThan(0);
    });
    const failures = lines.filter((line) => line.msg === 'server event listener failed');
    for (const name of EVENT_NAMES) {
      expect(failures.filter((line) => line.event === name).length, name).toBeGreaterThanOrEqual(2);
    }
    expect(failures.every((line) => line.level === 50)).toBe(true);
    // The room still serves: a newcomer gets the whole document.
    const late = connectStockClient(server.url, 'sturdy');
    await waitForSynced(late);
    expect(late.doc.getText('text').toString()).toBe(second.doc.getText('text').toString());
  });
});
