export {
  createPostgresStore,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_QUERY_TIMEOUT_MS,
} from './create-postgres-store.ts';
export type { PostgresStoreOptions } from './create-postgres-store.ts';
export { migrate, schemaStatus } from './migrate.ts';
export type { AppliedMigration, SchemaStatus } from './migrate.ts';
export { SCHEMA_MIGRATIONS, SCHEMA_VERSION } from './schema-migrations.ts';
export type { SchemaMigration } from './schema-migrations.ts';
export type { ConnectionTarget } from './connection-target.ts';
export type { ReplaceSkip } from './replace-log.ts';
