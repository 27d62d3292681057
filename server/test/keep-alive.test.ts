import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { StockClient } from './helpers/stock-client.ts';

// lib0 reads the clock through `Date.now` captured when lib0/time is first
// evaluated, so the fake clock must be installed before the stock client is
// imported; otherwise the client's 30 s timeout and its awareness renewal
// would run on real time and the test would prove nothing.
let stock: typeof import('./helpers/stock-client.ts');
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  stock = await import('./helpers/stock-client.ts');
});

afterAll(() => {
  vi.useRealTimers();
});

afterEach(async () => {
  stock.destroyStockClients();
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
    const client = stock.connectStockClient(server.url, 'alone');
    await stock.waitForSynced(client);
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
    const client = stock.connectStockClient(server.url, 'silent');
    client.provider.awareness.setLocalState(null);
    await stock.waitForSynced(client);
    const statuses: string[] = [];
    client.provider.on('status', ({ status }: { status: string }) => statuses.push(status));
    const firstSocket = client.provider.ws;

    await runClientMinutes(client, 5, 10_000);

    expect(client.provider.ws).toBe(firstSocket);
    expect(statuses).toEqual([]);
    expect(client.provider.wsconnected).toBe(true);
  });
});
