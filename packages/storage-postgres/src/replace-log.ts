import type { LogEntry, LogStats } from '@quire/storage';
import type pg from 'pg';
import { COMPACTION_LOCK_NAMESPACE } from './advisory-locks.ts';
import { toBytea, toNumber } from './bytes.ts';
import { inTransaction } from './connection-target.ts';

/** Why a replace wrote nothing; counted for tests and metrics. */
export type ReplaceSkip = 'busy' | 'gone' | 'stale';

interface DocumentRow {
  readonly checkpoint_seq: string;
  readonly deleted_through: string;
  readonly entry_count: string;
  readonly stored_bytes: string;
}

const LOCK_DOCUMENT = 'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked';

const READ_DOCUMENT = `
  SELECT checkpoint_seq, deleted_through, entry_count, stored_bytes
  FROM quire_documents WHERE name = $1 FOR UPDATE`;

// Counts are adjusted, not recounted: the row lock keeps appends of this
// document out until the commit, and a recount would not see the delete
// made by the same statement.
const WRITE_CHECKPOINT = `
  WITH removed AS (
    DELETE FROM quire_updates WHERE doc = $1 AND seq = ANY($4::bigint[]) RETURNING length(update) AS bytes
  )
  UPDATE quire_documents SET
    checkpoint = $2::bytea,
    checkpoint_seq = $3::bigint,
    entry_count = entry_count - (SELECT count(*) FROM removed) - (CASE WHEN checkpoint IS NULL THEN 0 ELSE 1 END) + 1,
    stored_bytes = stored_bytes - (SELECT coalesce(sum(bytes), 0) FROM removed) - coalesce(length(checkpoint), 0) + length($2::bytea),
    updated_at = now()
  WHERE name = $1
  RETURNING entry_count, stored_bytes`;

function statsOf(row: Pick<DocumentRow, 'entry_count' | 'stored_bytes'>): LogStats {
  return { entryCount: toNumber(row.entry_count), storedBytes: toNumber(row.stored_bytes) };
}

/**
 * Whether a merged state of `replaced` may overwrite the document: only over
 * what the caller read. The current checkpoint must be one of the entries it
 * merged (or there is none), else another node compacted meanwhile and this
 * state may lack what that one holds; and no entry it merged may be older
 * than a delete, else it would bring deleted content back.
 */
function coversCurrent(row: DocumentRow, replaced: readonly LogEntry[]): boolean {
  const checkpointSeq = toNumber(row.checkpoint_seq);
  const deletedThrough = toNumber(row.deleted_through);
  if (replaced.some((entry) => entry.id <= deletedThrough)) return false;
  return checkpointSeq === 0 || replaced.some((entry) => entry.id === checkpointSeq);
}

/**
 * Replaces the entries a compaction read with their merged state, as the
 * checkpoint covering up to the highest of them, and deletes exactly those
 * rows: rows other nodes committed meanwhile survive. One node at a time
 * per document (a try-lock: a node that does not get it skips, as the other
 * is doing the same work); a replace whose read is no longer current skips.
 */
export async function replaceLog(
  pool: pg.Pool,
  docName: string,
  replaced: readonly LogEntry[],
  merged: Uint8Array,
  onSkipped?: (reason: ReplaceSkip) => void,
): Promise<LogStats> {
  const covers = Math.max(0, ...replaced.map((entry) => entry.id));
  return inTransaction(pool, async (client) => {
    const lock = await client.query<{ locked: boolean }>(LOCK_DOCUMENT, [COMPACTION_LOCK_NAMESPACE, docName]);
    if (lock.rows[0]?.locked !== true) {
      // The facade does not use a skipped replace's sizes: no need to wait for the row.
      onSkipped?.('busy');
      return { entryCount: 0, storedBytes: 0 };
    }
    const current = (await client.query<DocumentRow>(READ_DOCUMENT, [docName])).rows[0];
    if (current === undefined) {
      onSkipped?.('gone');
      return { entryCount: 0, storedBytes: 0 };
    }
    if (!coversCurrent(current, replaced)) {
      onSkipped?.('stale');
      return statsOf(current);
    }
    const ids = replaced.map((entry) => entry.id);
    const { rows } = await client.query<DocumentRow>(WRITE_CHECKPOINT, [docName, toBytea(merged), covers, ids]);
    const [written] = rows;
    if (written === undefined) throw new Error(`Document "${docName}" vanished while locked`);
    return statsOf(written);
  });
}
