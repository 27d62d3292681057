import type { NewLogEntry, SequencedLogStats } from '@quire/storage';
import type pg from 'pg';
import { toBytea, toNumber } from './bytes.ts';

/**
 * One batch in one statement, so one transaction and one round trip. The
 * upsert raises each touched document's `next_seq` by its count of new
 * entries; documents are taken in name order, so two batches touching the
 * same documents cannot deadlock. The row lock it takes is held until the
 * statement commits, so another batch for the same document waits, gets the
 * following numbers and commits after it: readers see each document's
 * entries as a prefix in number order. Each new entry's number is its place
 * among its document's entries in the batch, counted up to the new
 * `next_seq`.
 */
const APPEND_BATCH = `
  WITH input AS (
    SELECT doc, data, ord FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS t(doc, data, ord)
  ),
  counts AS (
    SELECT doc, count(*) AS n, sum(length(data)) AS bytes FROM input GROUP BY doc
  ),
  allocated AS (
    INSERT INTO quire_documents AS d (name, next_seq, entry_count, stored_bytes, updated_at)
    SELECT doc, 1 + n, n, bytes, now() FROM counts ORDER BY doc
    ON CONFLICT (name) DO UPDATE SET
      next_seq = d.next_seq + excluded.entry_count,
      entry_count = d.entry_count + excluded.entry_count,
      stored_bytes = d.stored_bytes + excluded.stored_bytes,
      updated_at = now()
    RETURNING d.name, d.next_seq, d.entry_count, d.stored_bytes
  ),
  inserted AS (
    INSERT INTO quire_updates (doc, seq, update)
    SELECT i.doc, a.next_seq - c.n - 1 + row_number() OVER (PARTITION BY i.doc ORDER BY i.ord), i.data
    FROM input i JOIN counts c ON c.doc = i.doc JOIN allocated a ON a.name = i.doc
  )
  SELECT name, next_seq - 1 AS last_seq, entry_count, stored_bytes FROM allocated`;

interface AllocatedRow {
  readonly name: string;
  readonly last_seq: string;
  readonly entry_count: string;
  readonly stored_bytes: string;
}

/** Writes a batch and resolves, after its commit, with each document's log size and last number. */
export async function appendBatch(pool: pg.Pool, entries: readonly NewLogEntry[]): Promise<Map<string, SequencedLogStats>> {
  const names = entries.map((entry) => entry.docName);
  const updates = entries.map((entry) => toBytea(entry.update));
  const { rows } = await pool.query<AllocatedRow>(APPEND_BATCH, [names, updates]);
  const stats = new Map<string, SequencedLogStats>();
  for (const row of rows) {
    stats.set(row.name, {
      entryCount: toNumber(row.entry_count),
      storedBytes: toNumber(row.stored_bytes),
      lastSeq: toNumber(row.last_seq),
    });
  }
  return stats;
}
