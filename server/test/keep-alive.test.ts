import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import { connectStockClient, destroyStockClients, waitForSynced, type StockClient } from './helpers/stock-client.ts';

afterEach(async () => {
  vi.useRealTimers();
  destroyStockClients();
  await killServerProcesses();
  await removeTempDirs();
});

/** Resolves with the next message the client's socket receives. */
function nextMessage(client: StockClient): Promise<void> {
  return new Promise((resolve) => {
    const socket = client.provider.ws as unknown as { once(event: 'message', listener: () => void): void };
    socket.once('message', () => resolve());
  });
}

/**
 * The stock client drops a socket that received nothing for 30 s. Its clock
 * is faked here (the server runs in its own process on real time), so minutes
 * of client time pass in a few seconds; every step still waits for a real
 * message from the server before the client's clock moves on.
 */
async function runClientMinutes(client: StockClient, minutes: number, stepMs: number): Promise<void> {
  const steps = (minutes * 60_000) / stepMs;
  for (let step = 0; step < steps; step++) {
    const received = nextMessage(client);
    vi.advanceTimersByTime(stepMs);
    await received;
  }
}

describe('a stock client alone on a document keeps one connection', () => {
  it('stays connected through its own awareness renewals echoed by the server', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--keep-alive-ms', '0'] });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const client = connectStockClient(server.url, 'alone');
    await waitForSynced(client);
    const statuses: string[] = [];
    client.provider.on('status', ({ status }: { status: string }) => statuses.push(status));
    const firstSocket = client.provider.ws;

    // The client renews its awareness every 15 s; step in 15 s so that each
    // step triggers one renewal and its echo.
    await runClientMinutes(client, 5, 15_000);

    expect(client.provider.ws).toBe(firstSocket);
    expect(statuses).toEqual([]);
    expect(client.provider.wsconnected).toBe(true);
  });

  it('stays connected through the server keep-alive when the client announces no awareness', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--keep-alive-ms', '50'] });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const client = connectStockClient(server.url, 'silent');
    client.provider.awareness.setLocalState(null);
    await waitForSynced(client);
    const statuses: string[] = [];
    client.provider.on('status', ({ status }: { status: string }) => statuses.push(status));
    const firstSocket = client.provider.ws;

    await runClientMinutes(client, 5, 10_000);

    expect(client.provider.ws).toBe(firstSocket);
    expect(statuses).toEqual([]);
    expect(client.provider.wsconnected).toBe(true);
  });
});
