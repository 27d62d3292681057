import Fastify from 'fastify';
import { createSyncServer } from '@quire/server';
import { openStore } from './store.ts';
import type { App } from './node-http.ts';

export async function startFastifyApp(options: { port: number; dataDir: string }): Promise<App> {
  const fastify = Fastify();
  fastify.get('/api/hello', () => ({ hello: 'from fastify' }));

  // fastify.server is the http.Server Fastify runs on; it listens below.
  const quire = await createSyncServer({
    server: fastify.server,
    pathPrefix: '/collab',
    store: await openStore(options.dataDir),
  });
  await fastify.listen({ port: options.port, host: '127.0.0.1' });
  return {
    server: fastify.server,
    quire,
    async close() {
      await quire.close();
      await fastify.close();
    },
  };
}
