import { decodeMessage, type Message } from '@quire/protocol';
import type { CloseEventLike, MessageEventLike, WebSocketConstructorLike, WebSocketLike } from '../../src/websocket-like.ts';

/**
 * An in-memory WebSocket whose server side the test plays by hand: open it,
 * feed it messages, close it. Everything the provider sends is recorded.
 */
export class FakeWebSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  protocol = '';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: MessageEventLike) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: CloseEventLike) => void) | null = null;
  readonly sent: Uint8Array[] = [];
  readonly closeCalls: Array<number | undefined> = [];
  terminated = false;

  constructor(
    readonly url: string,
    readonly protocols: string | string[] = [],
  ) {}

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data.slice());
  }

  close(code?: number): void {
    this.closeCalls.push(code);
    this.readyState = 3;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }

  /** The server accepts, selecting `protocol` ('' for a stock server). */
  accept(protocol = 'quire.v1'): void {
    this.readyState = 1;
    this.protocol = protocol;
    this.onopen?.({});
  }

  receive(message: Uint8Array): void {
    const copy = message.slice();
    this.onmessage?.({ data: copy.buffer });
  }

  /** The server (or the network) ends the connection. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** Decoded messages the provider sent, optionally only those of one type. */
  messages(type?: Message['type']): Message[] {
    const decoded = this.sent.map((bytes) => {
      const result = decodeMessage(bytes);
      if (!result.ok) throw result.error;
      return result.message;
    });
    return type === undefined ? decoded : decoded.filter((message) => message.type === type);
  }

  /** Forgets what was sent so far. */
  clearSent(): void {
    this.sent.length = 0;
  }
}

export interface FakeWebSocketFactory {
  readonly WebSocket: WebSocketConstructorLike;
  readonly sockets: FakeWebSocket[];
  /** The most recently created socket. */
  last(): FakeWebSocket;
}

/** A WebSocket class of its own for each test, recording every socket it creates. */
export function createFakeWebSockets(): FakeWebSocketFactory {
  const sockets: FakeWebSocket[] = [];
  class RecordingWebSocket extends FakeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return {
    WebSocket: RecordingWebSocket,
    sockets,
    last() {
      const socket = sockets.at(-1);
      if (socket === undefined) throw new Error('no socket was created');
      return socket;
    },
  };
}
