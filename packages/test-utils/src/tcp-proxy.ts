import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between test clients and a server, to make
 * network trouble on demand: a slow link, a cut, and the half-open socket a
 * network change leaves behind (the client's side gone, the server's side
 * still open and silent).
 */
export interface TcpProxy {
  readonly port: number;
  /** `ws://127.0.0.1:<port>`: the proxy as a WebSocket server address. */
  readonly url: string;
  /** Where new connections go; existing ones keep their target. */
  setTarget(port: number): void;
  /** Delay, in milliseconds, added to each chunk in each direction (for new and open links). */
  setDelay(ms: number): void;
  /** Closes both sides of every open link at once (a reset the server sees). */
  cutAll(): void;
  /**
   * Destroys the client side of every open link and keeps the server side
   * open but silent: nothing more is forwarded either way, and the server
   * learns of it only when its own keep-alive gives up.
   */
  halfOpenAll(): void;
  /** Open links. */
  readonly linkCount: number;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  silent: boolean;
}

export async function startTcpProxy(options: { readonly targetPort: number; readonly delayMs?: number }): Promise<TcpProxy> {
  let targetPort = options.targetPort;
  let delayMs = options.delayMs ?? 0;
  const links = new Set<Link>();
  // Half-open server sides, kept until close() so the server sees no FIN.
  const silentUpstreams = new Set<Socket>();

  const forward = (link: Link, from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (link.silent) return;
      if (delayMs === 0) {
        to.write(chunk);
        return;
      }
      // Order is kept: timers of equal delay fire in the order they were set.
      setTimeout(() => {
        if (!link.silent && !to.destroyed) to.write(chunk);
      }, delayMs);
    });
  };

  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    upstream.setNoDelay(true);
    const link: Link = { client, upstream, silent: false };
    links.add(link);
    forward(link, client, upstream);
    forward(link, upstream, client);
    const end = (): void => {
      if (!links.delete(link)) return;
      if (link.silent) return;
      // With a delay, let data already in flight arrive before the close.
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, delayMs);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    setTarget(next) {
      targetPort = next;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    cutAll() {
      for (const link of [...links]) {
        links.delete(link);
        link.client.destroy();
        link.upstream.destroy();
      }
    },
    halfOpenAll() {
      for (const link of [...links]) {
        links.delete(link);
        link.silent = true;
        silentUpstreams.add(link.upstream);
        link.client.destroy();
      }
    },
    get linkCount() {
      return links.size;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      links.clear();
      for (const upstream of silentUpstreams) upstream.destroy();
      silentUpstreams.clear();
      server.close();
      await once(server, 'close');
    },
  };
}
