import { describe, expect, it } from 'vitest';
import { StorageError } from '@quire/storage';
import { reportingConnectivity } from './report-connectivity.ts';

describe('reportingConnectivity', () => {
  it('reports a read or write failure as disconnected, a success as connected, and nothing else', async () => {
    const reports: boolean[] = [];
    let failure: Error | undefined;
    const store = {
      sequenced: true as const,
      append: () => (failure === undefined ? Promise.resolve() : Promise.reject(failure)),
      close: () => Promise.resolve(),
    };
    const watched = reportingConnectivity(store, (connected) => reports.push(connected));
    expect(watched.sequenced).toBe(true);
    await watched.append();
    failure = new StorageError('ERR_STORAGE_WRITE_FAILED', 'connection refused');
    await expect(watched.append()).rejects.toBe(failure);
    failure = new StorageError('ERR_STORAGE_NOT_OPEN', 'closed');
    await expect(watched.append()).rejects.toBe(failure);
    failure = new TypeError('bad document name');
    await expect(watched.append()).rejects.toBe(failure);
    await watched.close();
    expect(reports).toEqual([true, false]);
  });

  it("returns the store's own promise, so appends of one batch still share it, and reports it once", async () => {
    const reports: boolean[] = [];
    const batch = Promise.resolve();
    const store = { append: () => batch };
    const watched = reportingConnectivity(store, (connected) => reports.push(connected));
    const first = watched.append();
    const second = watched.append();
    expect(first).toBe(batch);
    expect(second).toBe(batch);
    await second;
    expect(reports).toEqual([true]);
  });
});
