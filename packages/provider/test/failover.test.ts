import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { ConnectionCloseEvent } from '../src/index.ts';
import {
  createNodeProvider,
  destroyNodeProviders,
  waitForAllSaved,
  waitForConvergence,
  waitForSynced,
} from './helpers/node-provider.ts';

afterEach(async () => {
  destroyNodeProviders();
  await killServerProcesses();
  await removeTempDirs();
});

/** A loopback URL where nothing listens: a port the OS handed out and that was closed again. */
async function deadServerUrl(): Promise<string> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  return `ws://127.0.0.1:${port}`;
}

describe('several server URLs', () => {
  it('connects to the second server when the first is dead', async () => {
    const dead = await deadServerUrl();
    const live = await startServerProcess({ dataDir: await createTempDir() });
    const provider = createNodeProvider({ urls: [dead, live.url], document: 'failover' });
    const closes: ConnectionCloseEvent[] = [];
    provider.on('connection-close', (event) => closes.push(event));
    await waitForSynced(provider);
    expect(provider.url).toBe(`${live.url}/failover`);
    expect(closes.map((event) => event.url)).toEqual([`${dead}/failover`]);

    const peer = createNodeProvider({ url: live.url, document: 'failover' });
    provider.doc.getText('t').insert(0, 'through the second server');
    await waitForSynced(peer);
    await waitForConvergence([provider.doc, peer.doc]);
    expect(peer.doc.getText('t').toString()).toBe('through the second server');
  });

  it('moves to the next server when its server dies, and stores its whole state there', async () => {
    const first = await startServerProcess({ dataDir: await createTempDir() });
    const second = await startServerProcess({ dataDir: await createTempDir() });
    const provider = createNodeProvider({ urls: [first.url, second.url], document: 'moving', minBackoffMs: 20 });
    await waitForSynced(provider);
    expect(provider.url).toBe(`${first.url}/moving`);
    provider.doc.getText('t').insert(0, 'saved on the first server');
    await waitForAllSaved(provider);

    const moved = new Promise<void>((resolve) => {
      provider.on('status', ({ status }) => {
        if (status === 'connected' && provider.url === `${second.url}/moving`) resolve();
      });
    });
    await first.stop('SIGKILL');
    await moved;
    await waitForSynced(provider);
    provider.doc.getText('t').insert(0, '+ ');
    await waitForAllSaved(provider);

    // The second server never saw the first's data; the provider's step 2 carried all of it.
    const reader = createNodeProvider({ url: second.url, document: 'moving' });
    await waitForSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('+ saved on the first server');
  });
});
