import type pg from 'pg';
import { MIGRATION_LOCK_KEY } from './advisory-locks.ts';
import { inTransaction, type ConnectionTarget } from './connection-target.ts';
import { SCHEMA_MIGRATIONS, SCHEMA_VERSION } from './schema-migrations.ts';

/** A migration as applied: its version and name. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/** How a database's schema compares with what this code needs. */
export interface SchemaStatus {
  /** Versions recorded in the database, ascending. */
  readonly applied: readonly number[];
  /** The migrations this code has that the database lacks, in order. */
  readonly pending: readonly AppliedMigration[];
  /** The database lacks migrations: `migrate` must run before the store is used. */
  readonly behind: boolean;
  /** The database has versions this code does not know: a newer release migrated it. */
  readonly ahead: boolean;
  /** The highest version this code knows. */
  readonly codeVersion: number;
}

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS quire_schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

async function appliedVersions(client: pg.ClientBase): Promise<number[]> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('quire_schema_migrations') IS NOT NULL AS present");
  if (exists.rows[0]?.present !== true) return [];
  const { rows } = await client.query<{ version: number }>('SELECT version FROM quire_schema_migrations ORDER BY version');
  return rows.map((row) => row.version);
}

function statusOf(applied: readonly number[]): SchemaStatus {
  const known = new Set(SCHEMA_MIGRATIONS.map((migration) => migration.version));
  const done = new Set(applied);
  const pending = SCHEMA_MIGRATIONS.filter((migration) => !done.has(migration.version)).map(({ version, name }) => ({ version, name }));
  return {
    applied,
    pending,
    behind: pending.length > 0,
    ahead: applied.some((version) => !known.has(version)),
    codeVersion: SCHEMA_VERSION,
  };
}

/**
 * Brings the schema up to date: applies the missing migrations in version
 * order, in one transaction under an advisory lock, so that nodes starting
 * together apply each exactly once (the others wait, then find nothing to do).
 * Resolves with what it applied; empty when the schema was current.
 */
export async function migrate(target: ConnectionTarget): Promise<AppliedMigration[]> {
  return inTransaction(target, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const done = new Set(await appliedVersions(client));
    const applied: AppliedMigration[] = [];
    for (const { version, name, sql } of [...SCHEMA_MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (done.has(version)) continue;
      await client.query(sql);
      await client.query('INSERT INTO quire_schema_migrations (version, name) VALUES ($1, $2)', [version, name]);
      applied.push({ version, name });
    }
    return applied;
  });
}

/** Reads how the database's schema compares with this code's, without changing anything. */
export async function schemaStatus(target: ConnectionTarget): Promise<SchemaStatus> {
  return inTransaction(target, async (client) => statusOf(await appliedVersions(client)));
}
