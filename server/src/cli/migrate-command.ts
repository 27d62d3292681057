import { parseArgs } from 'node:util';
import { readSetting, settingFlags } from './cli-config.ts';
import { redactUrl } from './connection-url.ts';
import type { CommandStreams } from './storage-command.ts';

export const MIGRATE_COMMAND_USAGE = `Migrate command (the server also migrates when it starts):
  quire-server migrate [--database-url URL]
      applies the pending schema migrations to the PostgreSQL database of
      --database-url (DATABASE_URL) and prints each, or that the schema is current
`;

/** A schema migration, by its version and name. */
export interface MigrationName {
  readonly version: number;
  readonly name: string;
}

/** Applies pending migrations to the database at `url`; resolves with those it applied, in order. */
export type Migrate = (url: string) => Promise<readonly MigrationName[]>;

/** Exit statuses: 0 done (or nothing to do), 1 a usage error or a failed migration. */
export async function runMigrateCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: CommandStreams, migrate: Migrate): Promise<number> {
  let url: string;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: settingFlags(['databaseUrl']), strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new Error('migrate takes no arguments');
    url = readSetting('databaseUrl', values, env);
  } catch (error) {
    io.stderr.write(`quire-server: ${messageOf(error)}\n\n${MIGRATE_COMMAND_USAGE}`);
    return 1;
  }
  if (url === '') {
    io.stderr.write(`quire-server: migrate needs --database-url (or DATABASE_URL): a data directory has no schema to migrate\n`);
    return 1;
  }
  const database = redactUrl(url);
  let applied: readonly MigrationName[];
  try {
    applied = await migrate(url);
  } catch (error) {
    io.stderr.write(`quire-server: cannot migrate ${database}: ${messageOf(error)}\n`);
    return 1;
  }
  if (applied.length === 0) {
    io.stdout.write(`the schema of ${database} is current: no migration to apply\n`);
  } else {
    for (const { version, name } of applied) io.stdout.write(`applied migration ${version}: ${name}\n`);
    io.stdout.write(`applied ${applied.length} ${applied.length === 1 ? 'migration' : 'migrations'} to ${database}\n`);
  }
  return 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
