// Starts Hocuspocus for the benchmark: in memory, or with its SQLite
// extension when HOCUSPOCUS_SQLITE names a database file.
import { Server } from '@hocuspocus/server';
import { SQLite } from '@hocuspocus/extension-sqlite';

const port = Number(process.env.PORT);
const database = process.env.HOCUSPOCUS_SQLITE;
const extensions = database ? [new SQLite({ database })] : [];
const server = new Server({ port, address: '127.0.0.1', quiet: true, extensions, stopOnSignals: true });
await server.listen();
process.stdout.write(`listening on ${port}\n`);
