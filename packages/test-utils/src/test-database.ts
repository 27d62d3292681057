import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresUrl } from './services.ts';

/** A database created for one test run; `drop()` removes it. */
export interface TestDatabase {
  readonly name: string;
  /** The server's URL with this database's name. */
  readonly url: string;
  /** Ends the connections still open to it, then drops it. Safe to call twice. */
  drop(): Promise<void>;
}

const ADMIN_TIMEOUT_MS = 10_000;

async function withAdmin<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: ADMIN_TIMEOUT_MS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates an empty database `quire_test_<pid>_<random>` on the server of
 * `serverUrl` (default postgresUrl()), through a connection to that URL's
 * database. Tests touch only databases they created this way.
 */
export async function createTestDatabase(serverUrl: string = postgresUrl()): Promise<TestDatabase> {
  const name = `quire_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    drop() {
      dropped ??= withAdmin(serverUrl, async (client) => {
        // Connections a test left open (a pool not yet ended) would block the drop.
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
      });
      return dropped;
    },
  };
}
