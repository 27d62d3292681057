import { connect } from 'node:net';

export interface RawResponse {
  /** The HTTP status, or null when the server closed without answering. */
  readonly status: number | null;
  readonly head: string;
}

/**
 * Sends `request` bytes on a fresh TCP connection and reads the answer's
 * status line; resolves when the server closes or a complete head arrived.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const finish = (): void => {
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve({ status: match === null ? null : Number(match[1]), head: received.split('\r\n\r\n')[0] ?? '' });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('\r\n\r\n')) finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered and closed is an answer, not a failure.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish();
      else reject(error);
    });
    socket.on('close', finish);
    socket.write(request);
  });
}

/** An upgrade request for `path` with the given extra header lines. */
export function upgradeRequest(path: string, headers: Readonly<Record<string, string>> = {}, omit: readonly string[] = []): string {
  const base: Record<string, string> = {
    Host: '127.0.0.1',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
  };
  for (const name of omit) delete base[name];
  const lines = Object.entries({ ...base, ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
