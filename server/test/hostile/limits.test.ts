import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket } from 'node:net';
import * as Y from 'yjs';
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TIMEOUT,
  CLOSE_TRY_AGAIN_LATER,
  QUIRE_SUBPROTOCOL,
  encodeAuthToken,
  encodeError,
  encodePermissionDenied,
  encodePong,
  encodeSaved,
  encodeStateless,
  encodeSyncStep1,
  encodeSyncUpdate,
} from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { RawClient } from '../helpers/raw-client.ts';
import { writeAll } from '../security/helpers/tokens.ts';
import {
  assertServedAndIntact,
  destroyStockClients,
  documentUrl,
  Harness,
  openRaw,
  readText,
  textUpdate,
  writeStored,
} from './harness.ts';
import { rawRequest, upgradeRequest } from './raw-http.ts';

// Rows 27–30 and the per-connection rate limit.

let harness: Harness;
const stored: Record<string, string> = { witness: 'stored before the attacks' };

beforeAll(async () => {
  harness = await Harness.start([
    '--auth-timeout-ms',
    '1000',
    '--max-connections-per-ip',
    '24',
    '--messages-per-second',
    '200',
    '--message-burst',
    '400',
    '--max-buffered-bytes',
    String(256 * 1024),
  ]);
  await writeStored(harness.url, 'witness', stored['witness']!);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

/** A quire.v1 socket that will authenticate by message, or never. */
async function openUnauthenticated(docName: string): Promise<RawClient> {
  const client = new RawClient(documentUrl(harness.url, docName, null), [QUIRE_SUBPROTOCOL]);
  await client.opened;
  return client;
}

describe('limits (rows 27–30)', () => {
  it('row 27: a pre-auth flood closes with 1008; the auth deadline is absolute; nothing is loaded before auth', async () => {
    const flood = await openUnauthenticated('row-27');
    for (let index = 0; index < 100; index++) flood.send(encodeSyncStep1(new Uint8Array([0])));
    const flooded = await flood.closed;
    expect(flooded.code).toBe(CLOSE_POLICY_VIOLATION.code);

    // Traffic does not move the deadline: a message every 100 ms, closed at about 1 s anyway.
    const chatty = await openUnauthenticated('row-27');
    const ticker = setInterval(() => chatty.send(new Uint8Array([99])), 100);
    const timedOut = await chatty.closed;
    clearInterval(ticker);
    expect(timedOut.code).toBe(CLOSE_TIMEOUT.code);
    expect(chatty.received).toContainEqual({ type: 'error', code: CLOSE_TIMEOUT.code, reason: 'ERR_AUTH_TIMEOUT' });
    // Neither got the document: no sync step 1 was ever sent to them.
    expect([...flood.received, ...chatty.received].some((message) => message.type === 'sync-step-1')).toBe(false);

    // A token in time lets the queued messages through, in order.
    const late = await openUnauthenticated('row-27');
    late.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    late.send(encodeAuthToken(writeAll()));
    await late.next('sync-step-1');
    await late.next('sync-step-2');
    late.close();
    await assertServedAndIntact(harness, stored);
  });

  it('row 28: one address cannot hold more than its share of connections (429), and gets it back on close', async () => {
    // One socket carries one document, so "1,000 documents on one socket" cannot happen; the
    // equivalent from one client is many sockets, which the per-address cap bounds.
    const sockets: RawClient[] = [];
    for (let index = 0; index < 24; index++) sockets.push(await openRaw(harness.url, `row-28/${index}`));
    const refused = await rawRequest(harness.server.port, upgradeRequest(`/row-28/over?token=${writeAll()}`));
    expect(refused.status).toBe(429);
    sockets.pop()!.close();
    await vi.waitFor(async () => {
      const again = await rawRequest(harness.server.port, upgradeRequest(`/row-28/again?token=${writeAll()}`));
      expect(again.status).toBe(101);
    });
    for (const socket of sockets) socket.close();
    await Promise.all(sockets.map((socket) => socket.closed));
    await assertServedAndIntact(harness, stored);
  });

  it('row 29: server-bound messages from a client are ignored and never fanned out', async () => {
    const observer = await openRaw(harness.url, 'row-29', { extensions: true });
    const stockObserver = await openRaw(harness.url, 'row-29');
    const sender = await openRaw(harness.url, 'row-29', { extensions: true });
    const stockSender = await openRaw(harness.url, 'row-29');
    for (const message of [encodeSaved(99), encodePong(1), encodeError(4403, 'fake'), encodePermissionDenied('fake')]) {
      sender.send(message);
      stockSender.send(message);
    }
    // Stateless from a stock connection is not relayed either (it never negotiated extensions).
    stockSender.send(encodeStateless('from a stock client'));
    sender.send(encodeStateless('marker'));
    await vi.waitFor(() => expect(observer.received).toContainEqual({ type: 'stateless', payload: 'marker' }));
    const kinds = [...observer.received, ...stockObserver.received].map((message) => message.type);
    for (const kind of ['saved', 'pong', 'error', 'permission-denied'] as const) expect(kinds).not.toContain(kind);
    expect(observer.received.filter((message) => message.type === 'stateless')).toHaveLength(1);
    expect(stockObserver.received.some((message) => message.type === 'stateless')).toBe(false);
    for (const client of [observer, stockObserver, sender, stockSender]) client.close();
    await assertServedAndIntact(harness, stored);
  });

  it('row 30: a consumer that never reads is closed with 1013 once its send buffer passes the bound', async () => {
    const slow = await openRaw(harness.url, 'row-30');
    const transport = (slow.socket as unknown as { _socket: Socket })._socket;
    transport.pause();
    const writer = await openRaw(harness.url, 'row-30', { extensions: true });
    const doc = new Y.Doc();
    // 8 MB through a paused reader: the kernel buffers fill, then the server's.
    for (let index = 0; index < 128; index++) writer.send(encodeSyncUpdate(textUpdate('y'.repeat(64 * 1024), doc)));
    await vi.waitFor(() => expect(writer.received.some((m) => m.type === 'saved' && m.count === 128)).toBe(true), {
      timeout: 20_000,
    });
    transport.resume();
    expect((await slow.closed).code).toBe(CLOSE_TRY_AGAIN_LATER.code);
    // The writer was unaffected and everything it sent is stored.
    expect((await readText(harness.url, 'row-30')).length).toBe(128 * 64 * 1024);
    writer.close();
    stored['row-30'] = doc.getText('text').toString();
    await assertServedAndIntact(harness, stored);
  }, 40_000);

  it('the per-connection message rate closes a flooder with 1008; what it sent before is kept', async () => {
    const flooder = await openRaw(harness.url, 'rate', { extensions: true });
    const doc = new Y.Doc();
    flooder.send(encodeSyncUpdate(textUpdate('kept', doc)));
    await flooder.next('saved');
    for (let index = 0; index < 1_000 && flooder.socket.readyState === flooder.socket.OPEN; index++) {
      flooder.send(new Uint8Array([3]));
    }
    expect((await flooder.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    expect(flooder.received).toContainEqual({ type: 'error', code: CLOSE_POLICY_VIOLATION.code, reason: 'ERR_RATE_LIMITED' });
    stored['rate'] = 'kept';
    await assertServedAndIntact(harness, stored);
  });
});
