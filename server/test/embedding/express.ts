import { once } from 'node:events';
import express from 'express';
import { createSyncServer } from '@quire/server';
import { openStore } from './store.ts';
import type { App } from './node-http.ts';

export async function startExpressApp(options: { port: number; dataDir: string }): Promise<App> {
  const store = await openStore(options.dataDir);
  const app = express();
  app.get('/api/hello', (_request, response) => {
    response.json({ hello: 'from express' });
  });

  // app.listen() returns the http.Server Express runs on: Quire goes on it.
  const server = app.listen(options.port, '127.0.0.1');
  const quire = await createSyncServer({ server, pathPrefix: '/collab', store });
  if (!server.listening) await once(server, 'listening');
  return {
    server,
    quire,
    async close() {
      await quire.close();
      server.close();
      await once(server, 'close');
    },
  };
}
