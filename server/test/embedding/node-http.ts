import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createSyncServer, type SyncServer } from '@quire/server';
import { openStore } from './store.ts';

export interface App {
  readonly server: Server;
  readonly quire: SyncServer;
  close(): Promise<void>;
}

export async function startNodeApp(options: { port: number; dataDir: string }): Promise<App> {
  // The app's own server and routes.
  const server = createServer((request, response) => {
    if (request.url === '/api/hello') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ hello: 'from node:http' }));
      return;
    }
    response.writeHead(404).end();
  });

  // Quire on it: documents at ws://host:port/collab/<name>, its endpoints at
  // /collab/healthz and so on; every other request still goes to the handler above.
  const quire = await createSyncServer({
    server,
    pathPrefix: '/collab',
    store: await openStore(options.dataDir),
  });

  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    quire,
    // Quire first (its sockets close with 1001 and every change is stored),
    // then the app's server, which Quire never closes.
    async close() {
      await quire.close();
      server.close();
      await once(server, 'close');
    },
  };
}
