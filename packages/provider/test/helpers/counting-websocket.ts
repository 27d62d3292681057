import { WebSocket } from 'ws';
import type { WebSocketConstructorLike } from '../../src/websocket-like.ts';

export interface SocketRecord {
  readonly socket: WebSocket;
  readonly url: string;
  /** Payload bytes the provider sent / received on this socket. */
  sent: number;
  received: number;
  readonly closed: Promise<void>;
}

export interface CountingWebSockets {
  readonly WebSocket: WebSocketConstructorLike;
  readonly sockets: SocketRecord[];
}

function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (Array.isArray(data)) return (data as Buffer[]).reduce((total, part) => total + part.byteLength, 0);
  return 0;
}

/**
 * `ws`'s WebSocket, counting the bytes each socket carries and remembering
 * every socket, so tests can measure resume traffic and check that nothing
 * stays open.
 */
export function createCountingWebSockets(): CountingWebSockets {
  const sockets: SocketRecord[] = [];
  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      const record: SocketRecord = {
        socket: this,
        url,
        sent: 0,
        received: 0,
        closed: new Promise((resolve) => this.once('close', () => resolve())),
      };
      sockets.push(record);
      const send = this.send.bind(this);
      this.send = ((data: Uint8Array, ...rest: []) => {
        record.sent += byteLength(data);
        send(data, ...rest);
      }) as typeof this.send;
      this.on('message', (data) => {
        record.received += byteLength(data);
      });
    }
  }
  return { WebSocket: CountingWebSocket, sockets };
}
