import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ScriptedServer {
  readonly url: string;
  readonly wss: WebSocketServer;
  /** Connections accepted so far. */
  readonly connections: WebSocket[];
  close(): Promise<void>;
}

const running = new Set<ScriptedServer>();

/**
 * A bare `ws` server on 127.0.0.1, port 0, that runs `onConnection` for each
 * socket: for servers that behave in one specific way (deny access, speak
 * only stock y-websocket). `handleProtocols` defaults to ws's own behaviour,
 * which echoes the first subprotocol offered.
 */
export async function startScriptedServer(
  onConnection: (socket: WebSocket, path: string) => void,
  options: { handleProtocols?: (protocols: Set<string>) => string | false; onClose?: () => void } = {},
): Promise<ScriptedServer> {
  const http: Server = createServer();
  const wss = new WebSocketServer({
    server: http,
    ...(options.handleProtocols === undefined ? {} : { handleProtocols: options.handleProtocols }),
  });
  const connections: WebSocket[] = [];
  wss.on('connection', (socket, request) => {
    connections.push(socket);
    socket.on('error', () => undefined);
    onConnection(socket, new URL(request.url ?? '/', 'http://localhost').pathname);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const server: ScriptedServer = {
    url: `ws://127.0.0.1:${port}`,
    wss,
    connections,
    async close() {
      running.delete(server);
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      options.onClose?.();
    },
  };
  running.add(server);
  return server;
}

export async function closeScriptedServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.close()));
}
