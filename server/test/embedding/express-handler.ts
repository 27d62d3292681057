import { once } from 'node:events';
import express from 'express';
import { WebSocketServer } from 'ws';
import { createSyncHandler, type SyncHandler } from '@quire/server';
import { openStore } from './store.ts';
import type { Server } from 'node:http';

export interface HandlerApp {
  readonly server: Server;
  readonly quire: SyncHandler;
  close(): Promise<void>;
}

export async function startExpressWithHandler(options: { port: number; dataDir: string }): Promise<HandlerApp> {
  const quire = createSyncHandler({ pathPrefix: '/collab', store: await openStore(options.dataDir) });
  const app = express();
  // Quire's endpoints (/collab/healthz, …) as middleware; the rest goes on.
  app.use((request, response, next) => {
    quire.handleRequest(request, response).then((handled) => {
      if (!handled) next();
    }, next);
  });
  app.get('/api/hello', (_request, response) => {
    response.json({ hello: 'from express' });
  });

  // The app's own WebSocket endpoint, beside Quire's: an echo.
  const echo = new WebSocketServer({ noServer: true });
  echo.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));

  const server = app.listen(options.port, '127.0.0.1');
  server.on('upgrade', (request, socket, head) => {
    // Quire takes what is under /collab and leaves the rest alone.
    if (quire.handleUpgrade(request, socket, head)) return;
    if (request.url === '/echo') echo.handleUpgrade(request, socket, head, (ws) => echo.emit('connection', ws, request));
    else socket.destroy();
  });
  if (!server.listening) await once(server, 'listening');
  return {
    server,
    quire,
    async close() {
      await quire.close();
      for (const client of echo.clients) client.terminate();
      echo.close();
      server.close();
      await once(server, 'close');
    },
  };
}
