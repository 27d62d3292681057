import type { DocumentStoreOptions, SequencedDocumentStore } from '@quire/storage';
import { createTestDatabase, type TestDatabase } from '@quire/test-utils';
import pg from 'pg';
import { appendBatch } from '../src/append-batch.ts';
import { createPostgresStore, type PostgresStoreOptions } from '../src/index.ts';

/** A database of the test file's own, and the stores and pools opened on it. */
export interface PostgresTestContext {
  readonly database: TestDatabase;
  /** A store on a pool of its own, like one node; closed by closeAll(). */
  openStore(options?: Omit<PostgresStoreOptions, 'connectionString' | 'pool'>): Promise<SequencedDocumentStore>;
  /** A pool for statements of the test itself; ended by closeAll(). */
  openPool(): pg.Pool;
  /** Writes bytes into a document's log past all validation. */
  injectRawEntry(docName: string, bytes: Uint8Array): Promise<void>;
  /** Empties every table: each test starts from an empty store. */
  truncate(): Promise<void>;
  closeAll(): Promise<void>;
  /** Closes everything, then drops the database. */
  dispose(): Promise<void>;
}

export async function createPostgresTestContext(): Promise<PostgresTestContext> {
  const database = await createTestDatabase();
  const stores = new Set<SequencedDocumentStore>();
  const pools = new Set<pg.Pool>();

  const openPool = (): pg.Pool => {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => undefined);
    pools.add(pool);
    return pool;
  };
  const admin = openPool();

  const context: PostgresTestContext = {
    database,
    async openStore(options: DocumentStoreOptions = {}) {
      const store = await createPostgresStore({ ...options, connectionString: database.url, poolSize: 4 });
      stores.add(store);
      return store;
    },
    openPool,
    async injectRawEntry(docName, bytes) {
      await appendBatch(admin, [{ docName, update: bytes }]);
    },
    async truncate() {
      await admin.query('TRUNCATE quire_documents, quire_updates, quire_probe').catch((error: unknown) => {
        // Before the first store migrated, there is nothing to empty.
        if ((error as { code?: string }).code !== '42P01') throw error;
      });
    },
    async closeAll() {
      await Promise.all([...stores].map((store) => store.close()));
      stores.clear();
      const others = [...pools].filter((pool) => pool !== admin);
      await Promise.all(others.map((pool) => pool.end()));
      for (const pool of others) pools.delete(pool);
    },
    async dispose() {
      await context.closeAll();
      await admin.end();
      await database.drop();
    },
  };
  return context;
}
