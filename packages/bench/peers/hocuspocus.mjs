// Starts Hocuspocus for the benchmark: in memory; with its SQLite extension
// when HOCUSPOCUS_SQLITE names a database file; with its Database extension
// on PostgreSQL when HOCUSPOCUS_POSTGRES is a connection URL; and as one of
// several instances sharing a Redis when HOCUSPOCUS_REDIS is a redis:// URL
// (HOCUSPOCUS_NODE_ID names the instance).
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';
import { Redis } from '@hocuspocus/extension-redis';
import { postgresDocuments } from './postgres-documents.mjs';

const port = Number(process.env.PORT);
const extensions = [];
if (process.env.HOCUSPOCUS_SQLITE) extensions.push(new SQLite({ database: process.env.HOCUSPOCUS_SQLITE }));
if (process.env.HOCUSPOCUS_POSTGRES) extensions.push(await postgresDocuments(process.env.HOCUSPOCUS_POSTGRES));
if (process.env.HOCUSPOCUS_REDIS) {
  const redis = new URL(process.env.HOCUSPOCUS_REDIS);
  extensions.push(
    new Redis({
      host: redis.hostname,
      port: Number(redis.port || 6379),
      identifier: process.env.HOCUSPOCUS_NODE_ID ?? `instance-${port}`,
      prefix: 'hocuspocus-bench',
    }),
  );
}
const server = new Server({ port, address: '127.0.0.1', quiet: true, extensions, stopOnSignals: true });
await server.listen();
process.stdout.write(`listening on ${port}\n`);
