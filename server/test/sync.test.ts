import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as prng from 'lib0/prng';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';
import {
  connectStockClient,
  destroyStockClients,
  waitForConvergence,
  waitForSynced,
} from './helpers/stock-client.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

describe('sync with stock y-websocket clients', () => {
  it('converges two clients on Y.Text, Y.Map and the Tiptap XmlFragment', async () => {
    const server = await startTestServer();
    const a = connectStockClient(server.url, 'notes');
    const b = connectStockClient(server.url, 'notes');
    await waitForSynced(a, b);

    a.doc.getText('text').insert(0, 'hello');
    b.doc.getMap('map').set('answer', 42);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('from b')]);
    b.doc.getXmlFragment('default').insert(0, [paragraph]);
    a.doc.getText('text').insert(5, ' world');

    await waitForConvergence([a.doc, b.doc]);
    for (const client of [a, b]) {
      expect(client.doc.getText('text').toString()).toBe('hello world');
      expect(client.doc.getMap('map').get('answer')).toBe(42);
      expect(client.doc.getXmlFragment('default').toString()).toBe('<paragraph>from b</paragraph>');
    }
  });

  it('gives a late joiner the whole state', async () => {
    const server = await startTestServer();
    const first = connectStockClient(server.url, 'late');
    await waitForSynced(first);
    first.doc.getText('text').insert(0, 'written before anyone else came');
    first.doc.getMap('map').set('k', 'v');

    const late = connectStockClient(server.url, 'late');
    await waitForSynced(late);
    await waitForConvergence([first.doc, late.doc]);
    expect(late.doc.getText('text').toString()).toBe('written before anyone else came');
    expect(late.doc.getMap('map').get('k')).toBe('v');
  });

  it('keeps documents apart', async () => {
    const server = await startTestServer();
    const a = connectStockClient(server.url, 'team/one');
    const b = connectStockClient(server.url, 'team/two');
    await waitForSynced(a, b);
    a.doc.getText('text').insert(0, 'one');
    b.doc.getText('text').insert(0, 'two');
    const aAgain = connectStockClient(server.url, 'team/one');
    await waitForSynced(aAgain);
    await waitForConvergence([a.doc, aAgain.doc]);
    expect(aAgain.doc.getText('text').toString()).toBe('one');
  });

  it('does not send a client its own updates back', async () => {
    const server = await startTestServer();
    const a = connectStockClient(server.url, 'echo');
    const b = connectStockClient(server.url, 'echo');
    await waitForSynced(a, b);
    const seenByA: unknown[] = [];
    a.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin === a.provider) seenByA.push(origin);
    });
    a.doc.getText('text').insert(0, 'mine');
    await waitForConvergence([a.doc, b.doc]);
    b.doc.getText('text').insert(0, 'theirs ');
    await waitForConvergence([a.doc, b.doc]);
    // Exactly one remote update reached a: b's edit. Its own edit never came back.
    expect(seenByA).toHaveLength(1);
  });

  it('merges a client that edited offline both ways', async () => {
    const server = await startTestServer();
    const a = connectStockClient(server.url, 'offline');
    const b = connectStockClient(server.url, 'offline');
    await waitForSynced(a, b);
    a.doc.getText('text').insert(0, 'shared ');
    await waitForConvergence([a.doc, b.doc]);

    a.provider.disconnect();
    a.doc.getText('text').insert(7, 'offline-a ');
    a.doc.getMap('map').set('a', true);
    b.doc.getText('text').insert(0, 'online-b ');
    b.doc.getMap('map').set('b', true);
    a.provider.connect();

    await waitForConvergence([a.doc, b.doc]);
    expect(a.doc.getText('text').toString()).toBe(b.doc.getText('text').toString());
    expect(a.doc.getText('text').toString()).toContain('offline-a');
    expect(a.doc.getText('text').toString()).toContain('online-b');
    expect(b.doc.getMap('map').toJSON()).toEqual({ a: true, b: true });
  });

  it('leaves random edits from several clients on several documents with identical replicas', async () => {
    const seed = Number(process.env['SEED'] ?? Date.now() % 1_000_000);
    const random = prng.create(seed);
    const server = await startTestServer();
    const docNames = ['r/alpha', 'r/beta', 'r/gamma'];
    const clients = docNames.flatMap((name) => [0, 1, 2].map(() => connectStockClient(server.url, name)));
    await waitForSynced(...clients);

    for (let step = 0; step < 600; step++) {
      const client = prng.oneOf(random, clients);
      const text = client.doc.getText('text');
      const choice = prng.int32(random, 0, 9);
      if (choice < 5 || text.length === 0) {
        text.insert(prng.int32(random, 0, text.length), prng.word(random, 1, 4));
      } else if (choice < 8) {
        const index = prng.int32(random, 0, text.length - 1);
        text.delete(index, Math.min(prng.int32(random, 1, 3), text.length - index));
      } else {
        client.doc.getMap('map').set(prng.word(random, 1, 2), prng.int32(random, 0, 1000));
      }
      if (step % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    try {
      for (const name of docNames) {
        const replicas = clients.filter((client) => client.provider.roomname === name).map((c) => c.doc);
        await waitForConvergence(replicas);
        const [first, ...rest] = replicas;
        for (const replica of rest) {
          expect(replica.getText('text').toString()).toBe(first!.getText('text').toString());
          expect(replica.getMap('map').toJSON()).toEqual(first!.getMap('map').toJSON());
        }
      }
    } catch (error) {
      throw new Error(`replicas diverged; replay with SEED=${seed}`, { cause: error });
    }
  });
});
