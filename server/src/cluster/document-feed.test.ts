import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangesAfter, SequencedEntry } from '@quire/storage';
import { createSilentLogger } from '../logger.ts';
import type { BackfillReason } from './cluster-metrics.ts';
import { DocumentFeed, GAP_WAIT_MS } from './document-feed.ts';
import type { StreamEntry } from './stream-entry.ts';

// Entries whose update is one byte, their sequence number, so the order of
// application reads as a list of numbers.
function entry(seq: number, nodeId = 'other'): StreamEntry {
  return { id: `${Date.now()}-${seq}`, nodeId, seq, update: new Uint8Array([seq]) };
}

function harness(options: { applied?: number; stored?: number; checkpointThrough?: number; refuse?: number | undefined } = {}) {
  const applied: number[] = [];
  const backfills: BackfillReason[] = [];
  const quarantined: number[] = [];
  const failures: unknown[] = [];
  const storedThrough = { seq: options.stored ?? 0 };
  const store = {
    changesAfter: vi.fn((_docName: string, after: number): Promise<ChangesAfter> => {
      const checkpointSeq = options.checkpointThrough ?? 0;
      const from = Math.max(after, checkpointSeq);
      const entries: SequencedEntry[] = [];
      for (let seq = from + 1; seq <= storedThrough.seq; seq += 1) entries.push({ seq, update: new Uint8Array([seq]) });
      const checkpoint = checkpointSeq > after ? new Uint8Array([100 + checkpointSeq]) : undefined;
      return Promise.resolve({ checkpoint, checkpointSeq, entries, seq: Math.max(after, storedThrough.seq) });
    }),
  };
  const feed = new DocumentFeed({
    docName: 'doc',
    room: {
      applyRemoteUpdate: (update) => {
        if (update[0] === options.refuse) {
          options.refuse = undefined;
          throw new Error('refused');
        }
        applied.push(update[0]!);
      },
      fail: (error) => failures.push(error),
    },
    applied: options.applied ?? 0,
    store,
    logger: createSilentLogger(),
    metrics: { backfilled: (reason) => backfills.push(reason), streamLag: () => undefined },
    quarantine: (poisoned) => quarantined.push(poisoned.seq),
    retryMs: 20,
  });
  return { feed, applied, backfills, quarantined, failures, store, storedThrough };
}

const settle = (ms = GAP_WAIT_MS * 3): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('DocumentFeed', () => {
  afterEach(() => vi.useRealTimers());

  it('applies entries that follow the applied sequence, and drops what the document has', () => {
    const { feed, applied } = harness({ applied: 2 });
    for (const seq of [1, 2, 3, 4, 4, 5]) feed.receive(entry(seq));
    expect(applied).toEqual([3, 4, 5]);
    expect(feed.applied).toBe(5);
  });

  it('holds entries ahead of a gap and applies them in order once it closes', async () => {
    const { feed, applied, backfills } = harness();
    feed.receive(entry(2));
    feed.receive(entry(3));
    expect(applied).toEqual([]);
    feed.receive(entry(1));
    expect(applied).toEqual([1, 2, 3]);
    await settle();
    expect(backfills).toEqual([]);
  });

  it('fills a gap that stays open from storage, in order, after a short wait', async () => {
    const { feed, applied, backfills, storedThrough } = harness();
    storedThrough.seq = 4;
    feed.receive(entry(3));
    feed.receive(entry(4));
    expect(applied).toEqual([]);
    await settle();
    expect(backfills).toEqual(['gap']);
    expect(applied).toEqual([1, 2, 3, 4]);
    expect(feed.applied).toBe(4);
  });

  it('counts this node’s own commits without applying them again, in the stream or from storage', async () => {
    const { feed, applied, storedThrough } = harness();
    feed.own(1);
    feed.receive(entry(1, 'self'));
    feed.receive(entry(2));
    expect(applied).toEqual([2]);
    feed.own(4);
    storedThrough.seq = 4;
    await settle();
    expect(applied).toEqual([2, 3]);
    expect(feed.applied).toBe(4);
  });

  it('applies a checkpoint before the entries after it', async () => {
    const { feed, applied, storedThrough } = harness({ checkpointThrough: 3 });
    storedThrough.seq = 5;
    await feed.backfill('reconnect');
    expect(applied).toEqual([103, 4, 5]);
    expect(feed.applied).toBe(5);
  });

  it('quarantines an entry the room refuses and recovers the document from storage', async () => {
    const { feed, applied, quarantined, backfills, storedThrough } = harness({ refuse: 2 });
    storedThrough.seq = 3;
    feed.receive(entry(1));
    feed.receive(entry(2));
    await settle();
    expect(quarantined).toEqual([2]);
    expect(backfills).toEqual(['poison']);
    expect(applied).toEqual([1, 2, 3]);
  });

  it('catches up when storage is ahead: at once when polling, after a grace otherwise', async () => {
    const { feed, applied, backfills, storedThrough } = harness();
    storedThrough.seq = 2;
    feed.behind(2, 'poll', 0);
    await settle(10);
    expect(applied).toEqual([1, 2]);
    storedThrough.seq = 3;
    feed.behind(3, 'catch-up', 40);
    await settle(10);
    expect(applied).toEqual([1, 2]);
    await settle(80);
    expect(applied).toEqual([1, 2, 3]);
    expect(backfills).toEqual(['poll', 'catch-up']);
  });

  it('retries a failed backfill, and fails the room when storage keeps failing', async () => {
    const { feed, store, failures } = harness();
    store.changesAfter.mockRejectedValue(new Error('storage down'));
    await feed.backfill('gap');
    await settle(200);
    expect(store.changesAfter.mock.calls.length).toBe(5);
    expect(failures).toHaveLength(1);
    expect(feed.isClosed).toBe(true);
  });

  it('delivers nothing once closed', async () => {
    const { feed, applied, storedThrough } = harness();
    storedThrough.seq = 3;
    feed.receive(entry(2));
    feed.close();
    feed.receive(entry(1));
    await settle();
    expect(applied).toEqual([]);
  });
});
