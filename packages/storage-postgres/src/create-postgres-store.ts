import { createDocumentStore, StorageError, type DocumentStoreOptions, type SequencedDocumentStore } from '@quire/storage';
import pg from 'pg';
import { migrate as migrateSchema, schemaStatus } from './migrate.ts';
import { createPostgresBackend } from './postgres-backend.ts';
import type { ReplaceSkip } from './replace-log.ts';

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
// The client gives up this long after the server should have cancelled a
// statement: a server that answers reports its own timeout first.
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

interface PostgresConnectionOptions {
  /** A PostgreSQL URL; the store creates its pool and ends it on close. */
  readonly connectionString?: string;
  /** A pool of the caller's; the store uses it and leaves it open on close. */
  readonly pool?: pg.Pool;
}

export interface PostgresStoreOptions extends PostgresConnectionOptions, DocumentStoreOptions {
  /** Connections of the pool the store creates. Default 10. */
  readonly poolSize?: number;
  /** How long opening a connection may take before the operation fails. Default 5000 ms. */
  readonly connectionTimeoutMs?: number;
  /**
   * How long one statement may run: the server cancels it then (statement_timeout),
   * and the client gives up 2 s later if the server does not answer. Default 15000 ms.
   */
  readonly queryTimeoutMs?: number;
  /**
   * Apply missing schema migrations when the store opens (default true). With
   * false, opening fails when the schema is behind: run `migrate` first.
   */
  readonly migrate?: boolean;
  /** Told of every committed batch: how long its write took and how many entries it held. */
  readonly onBatchCommitted?: (seconds: number, entryCount: number) => void;
  /** Told when a compaction wrote nothing because another node held or had compacted the document. */
  readonly onCompactionSkipped?: (docName: string, reason: ReplaceSkip) => void;
  /**
   * Told of errors of idle pooled connections (the server restarted, the network
   * dropped): the pool replaces them, and the operations that need one fail with
   * a StorageError. Without it they are ignored; they never crash the process.
   */
  readonly onConnectionError?: (error: Error) => void;
}

function createPool(options: PostgresStoreOptions & { readonly connectionString: string }): pg.Pool {
  const queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    keepAlive: true,
  });
}

async function prepareSchema(pool: pg.Pool, apply: boolean): Promise<void> {
  try {
    if (apply) {
      await migrateSchema(pool);
      return;
    }
    const status = await schemaStatus(pool);
    if (status.behind) {
      const versions = status.pending.map((migration) => migration.version).join(', ');
      throw new StorageError('ERR_STORAGE_READ_FAILED', `The database schema lacks migrations ${versions}: run the migrate command first`);
    }
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError('ERR_STORAGE_READ_FAILED', 'Failed to open the PostgreSQL store', { cause: error });
  }
}

/**
 * Opens a document store in a PostgreSQL database that several server nodes
 * may share: each document's entries are numbered in commit order, appends
 * of one tick commit in one transaction, and compactions of one document run
 * on one node at a time.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<SequencedDocumentStore> {
  const { connectionString, onConnectionError } = options;
  if ((connectionString === undefined) === (options.pool === undefined)) {
    throw new TypeError('createPostgresStore needs exactly one of connectionString and pool');
  }
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? createPool({ ...options, connectionString: connectionString ?? '' });
  // An idle connection's error is reported, never thrown: without a listener it would end the process.
  const onError = (error: Error): void => {
    try {
      onConnectionError?.(error);
    } catch {
      // A failing hook must not crash the process either.
    }
  };
  pool.on('error', onError);
  try {
    await prepareSchema(pool, options.migrate ?? true);
    const backend = createPostgresBackend({
      pool,
      ownsPool,
      ...(options.onBatchCommitted === undefined ? {} : { onBatchCommitted: options.onBatchCommitted }),
      ...(options.onCompactionSkipped === undefined ? {} : { onCompactionSkipped: options.onCompactionSkipped }),
    });
    return createDocumentStore(backend, options);
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    else pool.removeListener('error', onError);
    throw error;
  }
}
