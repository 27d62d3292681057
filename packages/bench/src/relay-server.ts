import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor of the benchmark: a WebSocket server that forwards every message
 * to the other sockets of the same URL path, without any Yjs work, storage
 * or validation. Started as its own process: `PORT=… node relay-server.js`.
 */
export function startRelay(port: number, host = '127.0.0.1'): Promise<() => Promise<void>> {
  const rooms = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http = createServer((_request, response) => response.end('relay'));
  http.on('upgrade', (request, socket, head) => {
    const path = request.url ?? '/';
    wss.handleUpgrade(request, socket, head, (ws) => {
      let room = rooms.get(path);
      if (room === undefined) rooms.set(path, (room = new Set()));
      const peers = room;
      peers.add(ws);
      ws.on('message', (data, isBinary) => {
        for (const peer of peers) if (peer !== ws) peer.send(data, { binary: isBinary });
      });
      ws.on('close', () => {
        peers.delete(ws);
        if (peers.size === 0) rooms.delete(path);
      });
      ws.on('error', () => ws.terminate());
    });
  });
  return new Promise((resolve) => {
    http.listen(port, host, () =>
      resolve(
        () =>
          new Promise<void>((closed) => {
            for (const client of wss.clients) client.terminate();
            http.close(() => closed());
          }),
      ),
    );
  });
}
