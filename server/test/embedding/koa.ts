import { once } from 'node:events';
import { createServer } from 'node:http';
import Koa from 'koa';
import { createSyncHandler } from '@quire/server';
import { openStore } from './store.ts';
import type { HandlerApp } from './express-handler.ts';

export async function startKoaApp(options: { port: number; dataDir: string }): Promise<HandlerApp> {
  const quire = createSyncHandler({ pathPrefix: '/collab', store: await openStore(options.dataDir) });
  const app = new Koa();
  // Quire's endpoints first; Koa must not answer a request Quire answered.
  app.use(async (context, next) => {
    if (await quire.handleRequest(context.req, context.res)) context.respond = false;
    else await next();
  });
  app.use((context) => {
    if (context.path === '/api/hello') context.body = { hello: 'from koa' };
  });

  const handle = app.callback();
  // Koa answers its own errors; nothing needs to wait for its promise.
  const server = createServer((request, response) => void handle(request, response));
  server.on('upgrade', (request, socket, head) => {
    if (!quire.handleUpgrade(request, socket, head)) socket.destroy();
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
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
