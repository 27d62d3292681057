import { CLOSE_NORMAL, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import type { ServerErrorInfo } from './provider-events.ts';
import { WEBSOCKET_OPEN, type WebSocketConstructorLike, type WebSocketLike } from './websocket-like.ts';

export interface ProviderSocketHandlers {
  onOpen(): void;
  onMessage(bytes: Uint8Array): void;
  onError(error: unknown): void;
  onClose(code: number, reason: string): void;
}

function toBytes(data: unknown): Uint8Array | null {
  // A tag check rather than instanceof: the socket may come from another realm (a DOM shim).
  if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') return new Uint8Array(data as ArrayBuffer);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * One WebSocket to one document URL. Once released, none of its handlers
 * runs again, so a socket that is still flushing or closing can never touch
 * the provider's state.
 */
export class ProviderSocket {
  /** The quire.v1 `error` message received on this socket; it explains the close that follows. */
  serverError: ServerErrorInfo | null = null;
  private released = false;

  private constructor(
    readonly url: string,
    private readonly socket: WebSocketLike,
  ) {}

  /** Opens a socket offering `protocols`; throws what the WebSocket constructor throws. */
  static open(
    WebSocketClass: WebSocketConstructorLike,
    url: string,
    protocols: string[],
    handlers: ProviderSocketHandlers,
  ): ProviderSocket {
    const socket = new WebSocketClass(url, protocols);
    socket.binaryType = 'arraybuffer';
    const wrapper = new ProviderSocket(url, socket);
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (event) => {
      // Text frames are not part of the protocol; like unknown types, they are ignored.
      const bytes = toBytes(event.data);
      if (bytes !== null) handlers.onMessage(bytes);
    };
    socket.onerror = (error) => handlers.onError(error);
    socket.onclose = (event) => handlers.onClose(event.code, event.reason);
    return wrapper;
  }

  /** Whether the server selected quire.v1 (meaningful once open). */
  get extensions(): boolean {
    return this.socket.protocol === QUIRE_SUBPROTOCOL;
  }

  send(message: Uint8Array): boolean {
    if (this.released || this.socket.readyState !== WEBSOCKET_OPEN) return false;
    try {
      this.socket.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Detaches every handler; the socket itself is left as it is (use after it closed). */
  release(): void {
    this.released = true;
    this.socket.onopen = null;
    this.socket.onmessage = null;
    this.socket.onclose = null;
    // Swallowed, not removed: aborting a connecting socket reports an error, and
    // Node's ws rethrows an error event nobody listens to.
    this.socket.onerror = () => undefined;
  }

  /**
   * Releases and closes. `terminate` is for a dead link, where a close
   * handshake cannot complete: ws offers terminate() for it, browsers only
   * close().
   */
  close(mode: 'graceful' | 'terminate'): void {
    this.release();
    const terminate = (this.socket as { terminate?: unknown }).terminate;
    if (mode === 'terminate' && typeof terminate === 'function') terminate.call(this.socket);
    else this.socket.close(CLOSE_NORMAL.code);
  }
}
