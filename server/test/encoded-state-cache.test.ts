import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSyncStep1 } from '@quire/protocol';
import { openRawClient, type RawClient } from './helpers/raw-client.ts';
import { connectStockClient, destroyStockClients, waitForConvergence, waitForSynced } from './helpers/stock-client.ts';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';

const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  destroyStockClients();
  await closeTestServers();
});

/** Joins with an empty state vector (a fresh client) and returns the document it was sent. */
async function joinFresh(url: string, docName: string): Promise<string> {
  const raw = await openRawClient(url, docName);
  raws.push(raw);
  raw.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
  const replica = new Y.Doc();
  Y.applyUpdate(replica, (await raw.next('sync-step-2')).update);
  return replica.getText('text').toString();
}

describe('the whole-document step 2 shared by fresh joiners', () => {
  it('is the same for joiners of one version and follows every change', async () => {
    const server = await startTestServer();
    const author = connectStockClient(server.url, 'shared');
    await waitForSynced(author);
    const text = author.doc.getText('text');
    text.insert(0, 'first');
    const room = roomsOf(server).get('shared')!;
    await waitForConvergence([author.doc, room.doc]);
    expect(await joinFresh(server.url, 'shared')).toBe('first');
    expect(await joinFresh(server.url, 'shared')).toBe('first');

    text.insert(5, ' second');
    await waitForConvergence([author.doc, room.doc]);
    expect(await joinFresh(server.url, 'shared')).toBe('first second');
  });
});
