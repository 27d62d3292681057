import { WebSocket } from 'ws';
import { decodeMessage, type Message } from '@quire/protocol';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/**
 * A bare socket that speaks the wire protocol by hand, for tests that send
 * exactly the bytes they mean. Incoming messages are buffered; `next()` takes
 * them in order.
 */
export class RawClient {
  readonly socket: WebSocket;
  readonly received: Message[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly opened: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(url: string, protocols: string[] = []) {
    this.socket = new WebSocket(url, protocols);
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)),
      );
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data: Buffer) => {
      const result = decodeMessage(new Uint8Array(data));
      if (result.ok) this.received.push(result.message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  /** Resolves with the first buffered message matching `predicate` (removing it), waiting if needed. */
  async next<T extends Message['type']>(type: T): Promise<Extract<Message, { type: T }>> {
    for (;;) {
      const index = this.received.findIndex((message) => message.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0] as Extract<Message, { type: T }>;
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        void this.closed.then(() => reject(new Error(`closed while waiting for ${type}`)));
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a raw client on `docName` and waits for the server's opening sync step 1. */
export async function openRawClient(serverUrl: string, docName: string, protocols: string[] = []): Promise<RawClient> {
  const client = new RawClient(`${serverUrl}/${docName}`, protocols);
  await client.opened;
  await client.next('sync-step-1');
  return client;
}

/** A WebSocket-level ping and its pong: everything the server sent before the pong has arrived. */
export function roundTrip(client: RawClient): Promise<void> {
  return new Promise((resolve) => {
    client.socket.once('pong', () => resolve());
    client.socket.ping();
  });
}
