import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createLevelStore } from '@quire/storage-level';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { createServerMetrics, type SyncServer } from '../src/index.ts';
import { openRawClient, type RawClient } from './helpers/raw-client.ts';
import { connectStockClient, destroyStockClients, waitForConvergence, waitForSynced } from './helpers/stock-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  destroyStockClients();
  await closeTestServers();
  await removeTempDirs();
});

const httpUrl = (server: SyncServer, path: string): string => `${server.url.replace(/^ws/, 'http')}${path}`;

/** Parses the Prometheus text format into `name{labels}` → value. */
async function scrape(server: SyncServer): Promise<Map<string, number>> {
  const response = await fetch(httpUrl(server, '/metrics'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const split = line.lastIndexOf(' ');
    series.set(line.slice(0, split), Number(line.slice(split + 1)));
  }
  return series;
}

/** A server over LevelDB whose store hooks feed the server's metrics, as main.ts wires it. */
async function startLevelServer(): Promise<SyncServer> {
  const metrics = createServerMetrics();
  const store = await createLevelStore({
    path: await createTempDir('quire-metrics-'),
    compactAfterEntries: 5,
    onBatchWritten: (count) => metrics.storageBatchWritten(count),
    onCompacted: (info) => metrics.compacted(info),
  });
  return startTestServer({ store, metrics });
}

function typeUpdates(doc: Y.Doc, count: number): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const record = (update: Uint8Array): void => {
    updates.push(update);
  };
  doc.on('update', record);
  for (let index = 0; index < count; index += 1) doc.getText('text').insert(0, `${index}`);
  doc.off('update', record);
  return updates;
}

const NAMED_SERIES = [
  'quire_connections',
  'quire_open_documents',
  'quire_messages_received_total{type="sync-update"}',
  'quire_received_bytes_total{type="sync-update"}',
  'quire_messages_sent_total{type="sync-update"}',
  'quire_sent_bytes_total{type="sync-update"}',
  'quire_messages_sent_total{type="saved"}',
  'quire_update_apply_seconds_count',
  'quire_storage_batch_updates_count',
  'quire_storage_write_seconds_count',
  'quire_compactions_total{trigger="automatic"}',
  'quire_acknowledgement_delay_seconds_count',
];

describe('GET /metrics', () => {
  it('exposes every named series, and they move when traffic flows', async () => {
    const server = await startLevelServer();
    const before = await scrape(server);
    for (const name of NAMED_SERIES) expect(before.get(name), name).toBe(0);
    expect(before.has('nodejs_eventloop_lag_seconds')).toBe(true);

    const stock = connectStockClient(server.url, 'metrics/doc');
    await waitForSynced(stock);
    const raw = await openRawClient(server.url, 'metrics/doc', [QUIRE_SUBPROTOCOL]);
    raws.push(raw);
    const writer = new Y.Doc();
    const updates = typeUpdates(writer, 12);
    // One at a time, each stored before the next is sent: changes of one turn
    // would be stored as one log entry, and the log must reach the compaction threshold.
    for (const [index, update] of updates.entries()) {
      raw.send(encodeSyncUpdate(update));
      await vi.waitFor(async () => expect((await raw.next('saved')).count).toBeGreaterThanOrEqual(index + 1));
    }
    await waitForConvergence([writer, stock.doc]);

    const during = await vi.waitFor(async () => {
      const series = await scrape(server);
      expect(series.get('quire_compactions_total{trigger="automatic"}')).toBeGreaterThanOrEqual(1);
      return series;
    });
    for (const name of NAMED_SERIES) expect(during.get(name), name).toBeGreaterThan(0);
    expect(during.get('quire_connections')).toBe(2);
    expect(during.get('quire_open_documents')).toBe(1);
    expect(during.get('quire_messages_received_total{type="sync-update"}')).toBeGreaterThanOrEqual(updates.length);
    expect(during.get('quire_update_apply_seconds_count')).toBeGreaterThanOrEqual(updates.length);
    expect(during.get('quire_connection_closes_total{code="1000"}') ?? 0).toBe(0);

    raw.socket.close(1000);
    await raw.closed;
    const after = await vi.waitFor(async () => {
      const series = await scrape(server);
      expect(series.get('quire_connection_closes_total{code="1000"}')).toBe(1);
      return series;
    });
    expect(after.get('quire_connections')).toBe(1);
  });

  it('keeps the figures of two servers in one process apart', async () => {
    const busy = await startTestServer();
    const idle = await startTestServer();
    const client = connectStockClient(busy.url, 'apart');
    await waitForSynced(client);
    client.doc.getText('text').insert(0, 'only on the busy server');
    await vi.waitFor(async () => expect((await scrape(busy)).get('quire_update_apply_seconds_count')).toBeGreaterThan(0));
    const quiet = await scrape(idle);
    expect(quiet.get('quire_update_apply_seconds_count')).toBe(0);
    expect(quiet.get('quire_connections')).toBe(0);
  });
});

describe('GET /readyz', () => {
  it('answers 200 while storage is open and writable', async () => {
    const server = await startLevelServer();
    const response = await fetch(httpUrl(server, '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('answers 503 once the store is closed, while /healthz still answers 200', async () => {
    const metrics = createServerMetrics({ processMetrics: false });
    const store = await createLevelStore({ path: await createTempDir('quire-readyz-') });
    const server = await startTestServer({ store, metrics });
    expect((await fetch(httpUrl(server, '/readyz'))).status).toBe(200);
    await store.close();
    const response = await fetch(httpUrl(server, '/readyz'));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'storage unavailable' });
    expect((await fetch(httpUrl(server, '/healthz'))).status).toBe(200);
  });
});
