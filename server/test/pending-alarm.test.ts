import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore } from '@quire/storage';
import { createServerMetrics } from '../src/index.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

// A document loaded from storage that holds pending content (it builds on
// content the log lacks) is never expected; when it happens, operators must
// hear of it: an error log line naming the document and a counter.

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

describe('pending content after a load', () => {
  it('is logged as an error and counted in quire_pending_content_total', async () => {
    const author = new Y.Doc();
    author.getText('text').insert(0, 'first ');
    const afterFirst = Y.encodeStateVector(author);
    author.getText('text').insert(6, 'second');
    const store = createMemoryStore();
    // Only the second edit: it builds on the first, which the log lacks.
    await store.append('gap', Y.encodeStateAsUpdate(author, afterFirst));

    const lines: { level: number; msg: string; docName?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
        done();
      },
    });
    const metrics = createServerMetrics({ processMetrics: false });
    const server = await startTestServer({ store, metrics, logger: pino({ level: 'info' }, sink) });
    const before = await metrics.render();
    expect(before).toContain('quire_pending_content_total{after="load"} 0');

    const reader = connectStockClient(server.url, 'gap');
    await waitForSynced(reader);
    await vi.waitFor(() => {
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, msg: 'document loaded from storage holds pending content', docName: 'gap' }),
      );
    });
    expect(await metrics.render()).toContain('quire_pending_content_total{after="load"} 1');
  });
});
