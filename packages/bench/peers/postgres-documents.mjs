// Hocuspocus's Database extension on PostgreSQL: one row per document holding
// its whole state, as the extension stores it (on the server's debounce).
import { Database } from '@hocuspocus/extension-database';
import pg from 'pg';

export async function postgresDocuments(connectionString) {
  const pool = new pg.Pool({ connectionString });
  await pool.query('CREATE TABLE IF NOT EXISTS hocuspocus_documents (name text PRIMARY KEY, data bytea NOT NULL)');
  return new Database({
    async fetch({ documentName }) {
      const { rows } = await pool.query('SELECT data FROM hocuspocus_documents WHERE name = $1', [documentName]);
      return rows.length === 0 ? null : new Uint8Array(rows[0].data);
    },
    async store({ documentName, state }) {
      await pool.query(
        'INSERT INTO hocuspocus_documents (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = excluded.data',
        [documentName, Buffer.from(state)],
      );
    },
  });
}
