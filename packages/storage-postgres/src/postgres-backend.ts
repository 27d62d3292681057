import { randomUUID } from 'node:crypto';
import type { DocumentInfo, LogEntry, SequencedBackend } from '@quire/storage';
import type pg from 'pg';
import { appendBatch } from './append-batch.ts';
import { fromBytea, toNumber } from './bytes.ts';
import { inTransaction } from './connection-target.ts';
import { replaceLog, type ReplaceSkip } from './replace-log.ts';

export interface PostgresBackendOptions {
  readonly pool: pg.Pool;
  /** End the pool on close: true when the backend created it. */
  readonly ownsPool: boolean;
  /** Told of every batch that committed: its duration and entry count (for metrics). */
  readonly onBatchCommitted?: (seconds: number, entryCount: number) => void;
  /** Told when a compaction wrote nothing (another node holds the document, or compacted it first). */
  readonly onCompactionSkipped?: (docName: string, reason: ReplaceSkip) => void;
}

interface EntryRow {
  readonly seq: string;
  readonly data: Buffer;
  readonly is_checkpoint: boolean;
}

// Each read is one statement, so one snapshot: the checkpoint and the rows
// after it as they were at one moment. Rows at or below the checkpoint or a
// delete are never there; the filter only keeps a read exact if one were.
const READ_LOG = `
  SELECT checkpoint_seq AS seq, checkpoint AS data, true AS is_checkpoint
  FROM quire_documents WHERE name = $1 AND checkpoint IS NOT NULL
  UNION ALL
  SELECT u.seq, u.update, false FROM quire_updates u JOIN quire_documents d ON d.name = u.doc
  WHERE u.doc = $1 AND u.seq > greatest(d.checkpoint_seq, d.deleted_through)
  ORDER BY seq`;

const READ_LOG_AFTER = `
  SELECT checkpoint_seq AS seq, checkpoint AS data, true AS is_checkpoint
  FROM quire_documents WHERE name = $1 AND checkpoint IS NOT NULL AND checkpoint_seq > $2
  UNION ALL
  SELECT u.seq, u.update, false FROM quire_updates u JOIN quire_documents d ON d.name = u.doc
  WHERE u.doc = $1 AND u.seq > greatest($2, d.checkpoint_seq, d.deleted_through)
  ORDER BY seq`;

const LATEST_SEQUENCES = `SELECT name, next_seq - 1 AS last_seq FROM quire_documents WHERE name = ANY($1::text[]) AND next_seq > 1`;

const LIST_DOCUMENTS = `SELECT name, stored_bytes, updated_at FROM quire_documents WHERE entry_count > 0 ORDER BY name`;

// A delete keeps the row, so numbers go on after it and a compaction that
// read the deleted entries recognises itself as stale (deleted_through).
const LOCK_FOR_DELETE = 'SELECT 1 FROM quire_documents WHERE name = $1 FOR UPDATE';
const DELETE_UPDATES = 'DELETE FROM quire_updates WHERE doc = $1';
const MARK_DELETED = `
  UPDATE quire_documents SET
    checkpoint = NULL, checkpoint_seq = 0, deleted_through = next_seq - 1,
    entry_count = 0, stored_bytes = 0, updated_at = now()
  WHERE name = $1`;

// One row for every node: each reads back its own write through RETURNING.
const PROBE_ID = 'readiness';
const PROBE = `
  INSERT INTO quire_probe (id, token, written_at) VALUES ($1, $2, now())
  ON CONFLICT (id) DO UPDATE SET token = excluded.token, written_at = now()
  RETURNING token`;

function toLogEntry(row: EntryRow): LogEntry {
  return { id: toNumber(row.seq), update: fromBytea(row.data) };
}

/** The PostgreSQL backend: a SequencedBackend over tables the migrations created. */
export function createPostgresBackend(options: PostgresBackendOptions): SequencedBackend {
  const { pool, ownsPool, onBatchCommitted, onCompactionSkipped } = options;

  return {
    sequenced: true,

    async readLog(docName) {
      const { rows } = await pool.query<EntryRow>(READ_LOG, [docName]);
      return rows.map(toLogEntry);
    },

    async readLogAfter(docName, seq) {
      const { rows } = await pool.query<EntryRow>(READ_LOG_AFTER, [docName, seq]);
      const [first] = rows;
      const checkpoint = first?.is_checkpoint === true ? toLogEntry(first) : undefined;
      return { checkpoint, entries: rows.filter((row) => !row.is_checkpoint).map(toLogEntry) };
    },

    async latestSequences(docNames) {
      const { rows } = await pool.query<{ name: string; last_seq: string }>(LATEST_SEQUENCES, [docNames]);
      return new Map(rows.map((row) => [row.name, toNumber(row.last_seq)]));
    },

    async appendEntries(entries) {
      const started = process.hrtime.bigint();
      const stats = await appendBatch(pool, entries);
      try {
        onBatchCommitted?.(Number(process.hrtime.bigint() - started) / 1e9, entries.length);
      } catch {
        // Metrics must not fail a batch that committed.
      }
      return stats;
    },

    replaceEntries(docName, replaced, merged) {
      return replaceLog(pool, docName, replaced, merged, (reason) => onCompactionSkipped?.(docName, reason));
    },

    async listDocuments(): Promise<DocumentInfo[]> {
      const { rows } = await pool.query<{ name: string; stored_bytes: string; updated_at: Date }>(LIST_DOCUMENTS);
      return rows.map((row) => ({ name: row.name, storedBytes: toNumber(row.stored_bytes), updatedAt: row.updated_at }));
    },

    async deleteDocument(docName) {
      await inTransaction(pool, async (client) => {
        // With the row locked, no append of this document is between its numbering and its commit.
        const { rowCount } = await client.query(LOCK_FOR_DELETE, [docName]);
        if (rowCount === 0) return;
        await client.query(DELETE_UPDATES, [docName]);
        await client.query(MARK_DELETED, [docName]);
      });
    },

    async probeWrite() {
      const token = randomUUID();
      const { rows } = await pool.query<{ token: string }>(PROBE, [PROBE_ID, token]);
      if (rows[0]?.token !== token) throw new Error('The probe record read back differs from what was written');
    },

    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
