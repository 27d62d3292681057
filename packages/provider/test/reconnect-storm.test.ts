import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { QuireProvider } from '../src/index.ts';
import { createNodeProvider, destroyNodeProviders, waitForAllSaved, waitForSynced } from './helpers/node-provider.ts';

afterEach(async () => {
  destroyNodeProviders();
  await killServerProcesses();
  await removeTempDirs();
});

const PROVIDERS = 200;
const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 3_200;

interface Retry {
  /** The delay as a fraction of the window it was drawn from. */
  readonly position: number;
}

/**
 * Every retry a provider schedules, placed in the window it was drawn from
 * (the n-th failure in a row draws from min · 2^n).
 */
function recordRetries(provider: QuireProvider, retries: Retry[]): void {
  let failures = 0;
  provider.on('sync', (synced) => {
    if (synced) failures = 0;
  });
  provider.on('connection-close', ({ reconnectDelayMs }) => {
    if (reconnectDelayMs === null) return;
    const window = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** failures++);
    retries.push({ position: reconnectDelayMs / window });
  });
}

describe('a reconnect storm', () => {
  it('spreads 200 providers over the backoff window after a restart, and they all converge', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const providers = Array.from({ length: PROVIDERS }, () =>
      createNodeProvider({
        url: server.url,
        document: 'storm',
        minBackoffMs: MIN_BACKOFF_MS,
        maxBackoffMs: MAX_BACKOFF_MS,
      }),
    );
    await waitForSynced(...providers);
    const retries: Retry[] = [];
    for (const provider of providers) recordRetries(provider, retries);

    expect(await server.stop('SIGTERM')).toBe(0);
    await vi.waitFor(() => expect(providers.every((provider) => provider.status === 'connecting')).toBe(true));
    providers.forEach((provider, index) => provider.doc.getMap('offline').set(`provider-${index}`, index));
    await startServerProcess({ dataDir, port: server.port });

    await vi.waitFor(
      () => {
        for (const provider of providers) expect(provider.doc.getMap('offline').size).toBe(PROVIDERS);
      },
      { timeout: 25_000, interval: 50 },
    );
    await Promise.all(providers.map((provider) => waitForAllSaved(provider)));

    // Full jitter: each retry lies anywhere in its window, so the crowd is spread evenly
    // over it rather than arriving in waves at the window's end (or start).
    expect(retries.length).toBeGreaterThanOrEqual(PROVIDERS);
    const quarters = [0, 0, 0, 0];
    for (const { position } of retries) {
      expect(position).toBeGreaterThanOrEqual(0);
      expect(position).toBeLessThan(1);
      quarters[Math.floor(position * 4)]! += 1;
    }
    for (const count of quarters) expect(count).toBeGreaterThan(retries.length * 0.15);
  });
});
