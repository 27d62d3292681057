/** One step of the schema; applied once, in version order, and recorded. */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema as the steps that build it. A released step is never edited:
 * a change is a new step with the next version.
 *
 * - quire_documents: one row per document. `next_seq` is the next sequence
 *   number to hand out; it is raised in the committing transaction, under the
 *   row's lock, so one document's entries commit in number order. The
 *   checkpoint is the merged state of every entry up to `checkpoint_seq`.
 *   A delete keeps the row (numbers go on) and records `deleted_through`.
 *   `entry_count` and `stored_bytes` count the checkpoint and the updates.
 * - quire_updates: the entries after the checkpoint.
 * - quire_probe: what a readiness probe writes and reads back.
 */
export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: 'documents, updates and probe',
    sql: `
      CREATE TABLE quire_documents (
        name text PRIMARY KEY,
        next_seq bigint NOT NULL DEFAULT 1,
        checkpoint bytea,
        checkpoint_seq bigint NOT NULL DEFAULT 0,
        deleted_through bigint NOT NULL DEFAULT 0,
        entry_count bigint NOT NULL DEFAULT 0,
        stored_bytes bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE quire_updates (
        doc text NOT NULL REFERENCES quire_documents (name) ON DELETE CASCADE,
        seq bigint NOT NULL,
        update bytea NOT NULL,
        PRIMARY KEY (doc, seq)
      );
      CREATE TABLE quire_probe (
        id text PRIMARY KEY,
        token text NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

/** The version the code needs. */
export const SCHEMA_VERSION = Math.max(...SCHEMA_MIGRATIONS.map((migration) => migration.version));
