import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_UNSUPPORTED_DATA,
  encodeSyncStep1,
  encodeSyncUpdate,
  QUIRE_SUBPROTOCOL,
} from '@quire/protocol';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { openRawClient, RawClient } from './helpers/raw-client.ts';
import { connectStockClient, destroyStockClients, waitForConvergence, waitForSynced } from './helpers/stock-client.ts';
import type { SyncServer } from '../src/index.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

function validUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

const openRaw = (server: SyncServer, docName: string, protocols: string[] = []): Promise<RawClient> =>
  openRawClient(server.url, docName, protocols);

/** A well-behaved pair on another document, to show the server still serves. */
async function assertOthersUnaffected(server: SyncServer): Promise<void> {
  const a = connectStockClient(server.url, 'bystander');
  const b = connectStockClient(server.url, 'bystander');
  await waitForSynced(a, b);
  a.doc.getText('text').insert(0, 'still fine');
  await waitForConvergence([a.doc, b.doc]);
  expect(b.doc.getText('text').toString()).toBe('still fine');
}

describe('malformed input closes only the offending connection', () => {
  it('closes a text frame with 1003', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'text-frame');
    client.send('hello');
    expect((await client.closed).code).toBe(CLOSE_UNSUPPORTED_DATA.code);
    await assertOthersUnaffected(server);
  });

  const malformed: Array<[string, Uint8Array]> = [
    ['an empty frame', new Uint8Array(0)],
    ['a varint that never ends', new Uint8Array(1 << 16).fill(0x80)],
    ['an unknown sync sub-type', new Uint8Array([0, 7, 0])],
    ['an inner length past the frame', new Uint8Array([0, 2, 100, 1, 2, 3])],
    ['garbage update bytes', encodeSyncUpdate(new Uint8Array([255, 255, 255, 1, 2, 3, 4, 5]))],
    ['a truncated valid update', encodeSyncUpdate(validUpdate('truncated content here').subarray(0, 12))],
    ['a malformed state vector', encodeSyncStep1(new Uint8Array([5, 1]))],
  ];
  for (const [label, bytes] of malformed) {
    it(`closes ${label} with 1007 and leaves the document unchanged`, async () => {
      const server = await startTestServer();
      const owner = connectStockClient(server.url, 'victim');
      await waitForSynced(owner);
      owner.doc.getText('text').insert(0, 'original');
      const client = await openRaw(server, 'victim');
      await waitForConvergence([owner.doc, roomsOf(server).get('victim')!.doc]);

      client.send(bytes);
      expect((await client.closed).code).toBe(CLOSE_BAD_MESSAGE.code);
      expect(roomsOf(server).get('victim')!.doc.getText('text').toString()).toBe('original');
      expect(owner.provider.wsconnected).toBe(true);
      await assertOthersUnaffected(server);
    });
  }

  it('tells a quire.v1 client why before closing', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'reasons', [QUIRE_SUBPROTOCOL]);
    client.send(new Uint8Array([0, 7, 0]));
    const error = await client.next('error');
    expect(error.code).toBe(CLOSE_BAD_MESSAGE.code);
    expect(error.reason).toBe('ERR_PROTOCOL_UNKNOWN_SYNC_TYPE');
    expect((await client.closed).code).toBe(CLOSE_BAD_MESSAGE.code);
  });

  it('ignores unknown message types (forward compatibility)', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'future');
    client.send(new Uint8Array([99, 1, 2, 3]));
    client.send(encodeSyncUpdate(validUpdate('after the unknown one')));
    await expect
      .poll(() => roomsOf(server).get('future')?.doc.getText('text').toString())
      .toBe('after the unknown one');
    client.close();
  });

  it('closes a frame over maxMessageBytes with 1009', async () => {
    const server = await startTestServer({ maxMessageBytes: 1024 });
    const client = await openRaw(server, 'too-big');
    client.send(encodeSyncUpdate(validUpdate('x'.repeat(4096))));
    expect((await client.closed).code).toBe(CLOSE_MESSAGE_TOO_BIG.code);
    expect(roomsOf(server).get('too-big')?.doc.getText('text').toString() ?? '').toBe('');
    await assertOthersUnaffected(server);
  });
});
