import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { isStorageError, type CommittedEntry, type SequencedDocumentStore } from '@quire/storage';
import { findFreePort, needPostgres, startTcpProxy, type TcpProxy } from '@quire/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createPostgresStore } from '../src/index.ts';
import { createPostgresTestContext, type PostgresTestContext } from './postgres-fixture.ts';

const postgres = await needPostgres();

const CONNECTION_TIMEOUT_MS = 500;
const QUERY_TIMEOUT_MS = 1_000;
// The client's own timeout comes 2 s after the server's; a little more for a loaded machine.
const FAILS_WITHIN_MS = QUERY_TIMEOUT_MS + 2_000 + 2_000;

/** A server that accepts connections and never says a word: a network that swallows packets. */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function textUpdate(clientID: number, text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a failure');
}

async function loadText(store: SequencedDocumentStore, docName: string): Promise<string> {
  const doc = new Y.Doc();
  const stored = await store.load(docName);
  if (stored !== null) Y.applyUpdate(doc, stored.update);
  return doc.getText('text').toString();
}

describe.skipIf(!postgres.ok)('PostgreSQL unreachable', () => {
  let context: PostgresTestContext;
  let proxy: TcpProxy;
  let postgresPort: number;
  beforeAll(async () => {
    context = await createPostgresTestContext();
    postgresPort = Number(new URL(context.database.url).port || 5432);
  });
  afterEach(async () => {
    await context.closeAll();
    await proxy.close();
  });
  afterAll(() => context.dispose());

  async function openThroughProxy(connectionErrors: Error[]): Promise<SequencedDocumentStore> {
    proxy = await startTcpProxy({ targetPort: postgresPort });
    const url = new URL(context.database.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return createPostgresStore({
      connectionString: url.toString(),
      connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      compactAfterEntries: Infinity,
      onConnectionError: (error) => connectionErrors.push(error),
    });
  }

  function expectStorageError(error: unknown, code: 'ERR_STORAGE_WRITE_FAILED' | 'ERR_STORAGE_READ_FAILED'): void {
    expect(isStorageError(error, code), String(error)).toBe(true);
  }

  it('fails fast while connections are refused, acknowledges nothing, and works again after', async () => {
    const connectionErrors: Error[] = [];
    const store = await openThroughProxy(connectionErrors);
    const heard: CommittedEntry[] = [];
    store.onCommitted((entries) => heard.push(...entries));
    await store.append('doc', textUpdate(1, 'before '));

    proxy.setTarget(await findFreePort());
    proxy.cutAll();
    const append = await failure(store.append('doc', textUpdate(2, 'lost ')));
    expectStorageError(append.error, 'ERR_STORAGE_WRITE_FAILED');
    expect(append.ms).toBeLessThan(FAILS_WITHIN_MS);
    expectStorageError((await failure(store.checkWritable())).error, 'ERR_STORAGE_WRITE_FAILED');
    expectStorageError((await failure(store.load('doc'))).error, 'ERR_STORAGE_READ_FAILED');
    expectStorageError((await failure(store.changesAfter('doc', 0))).error, 'ERR_STORAGE_READ_FAILED');
    expect(heard.map((entry) => entry.seq)).toEqual([1]);

    proxy.setTarget(postgresPort);
    await store.checkWritable();
    await store.append('doc', textUpdate(3, 'after'));
    expect(heard.map((entry) => entry.seq)).toEqual([1, 2]);
    const direct = await context.openStore();
    expect(await loadText(direct, 'doc')).not.toContain('lost');
    expect(await loadText(direct, 'doc')).toContain('before');
    expect(await loadText(direct, 'doc')).toContain('after');
  });

  it('gives up within the timeouts when the server stops answering, and works again after', async () => {
    const connectionErrors: Error[] = [];
    const store = await openThroughProxy(connectionErrors);
    await store.append('doc', textUpdate(1, 'before '));

    // A link that holds every packet: a statement on an open connection waits for an answer that never comes.
    proxy.setDelay(10_000);
    const held = await failure(store.append('doc', textUpdate(2, 'held ')));
    expectStorageError(held.error, 'ERR_STORAGE_WRITE_FAILED');
    expect(held.ms).toBeLessThan(FAILS_WITHIN_MS);
    proxy.cutAll();
    proxy.setDelay(0);

    const silent = await startSilentServer();
    try {
      // Open connections go silent, new ones reach a server that never answers.
      proxy.halfOpenAll();
      proxy.setTarget(silent.port);
      const appends = await Promise.all([failure(store.append('doc', textUpdate(2, 'lost '))), failure(store.append('other', textUpdate(2, 'lost')))]);
      for (const { error, ms } of appends) {
        expectStorageError(error, 'ERR_STORAGE_WRITE_FAILED');
        expect(ms).toBeLessThan(FAILS_WITHIN_MS);
      }
      const probe = await failure(store.checkWritable());
      expectStorageError(probe.error, 'ERR_STORAGE_WRITE_FAILED');
      expect(probe.ms).toBeLessThan(FAILS_WITHIN_MS);
    } finally {
      proxy.setTarget(postgresPort);
      await silent.close();
    }
    await store.append('doc', textUpdate(3, 'after'));
    const direct = await context.openStore();
    expect(await loadText(direct, 'doc')).toBe(await loadText(store, 'doc'));
    expect(await loadText(direct, 'doc')).not.toMatch(/lost|held/);
    expect(await direct.load('other')).toBeNull();
  });
});
