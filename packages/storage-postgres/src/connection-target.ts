import pg from 'pg';

/** Where to run a few statements: a URL (a connection of its own) or a pool the caller owns. */
export type ConnectionTarget = string | pg.Pool;

/** A checked-out connection and how to give it back; an error while out is held for the caller, never thrown. */
export interface Connection {
  readonly client: pg.ClientBase;
  release(error?: Error): Promise<void>;
}

const TARGET_CONNECT_TIMEOUT_MS = 10_000;

export async function connectTo(target: ConnectionTarget): Promise<Connection> {
  if (typeof target !== 'string') return checkOut(target);
  const client = new pg.Client({ connectionString: target, connectionTimeoutMillis: TARGET_CONNECT_TIMEOUT_MS });
  // A connection that breaks between statements emits 'error': the next statement reports it.
  client.on('error', () => undefined);
  await client.connect();
  return {
    client,
    release: () => client.end().catch(() => undefined),
  };
}

/** A connection of a pool, with an error listener while it is out (without one a broken connection crashes the process). */
export async function checkOut(pool: pg.Pool): Promise<Connection> {
  const client = await pool.connect();
  const ignore = (): void => undefined;
  client.on('error', ignore);
  return {
    client,
    release(error) {
      client.removeListener('error', ignore);
      // With an error the pool discards the connection instead of reusing one in an unknown state.
      client.release(error ?? false);
      return Promise.resolve();
    },
  };
}

/**
 * Runs `body` in a transaction on its own connection. When anything fails the
 * connection is closed instead of rolled back: the server then rolls back,
 * and a connection that stopped answering costs no second timeout.
 */
export async function inTransaction<T>(target: ConnectionTarget, body: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const connection = await connectTo(target);
  try {
    await connection.client.query('BEGIN');
    const result = await body(connection.client);
    await connection.client.query('COMMIT');
    await connection.release();
    return result;
  } catch (error) {
    await connection.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
