/**
 * Method-style function types are compared bivariantly, so `ws` handlers typed
 * with its own richer event classes still fit these minimal event shapes.
 */
type EventHandler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface MessageEventLike {
  readonly data: unknown;
}

export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/**
 * The part of the WHATWG WebSocket the provider uses. Browsers' `WebSocket`
 * and Node's `ws` both satisfy it, so the provider needs neither the DOM
 * typings nor a Node import.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  /** The subprotocol the server selected; '' when none. */
  readonly protocol: string;
  onopen: EventHandler<unknown> | null;
  onmessage: EventHandler<MessageEventLike> | null;
  onerror: EventHandler<unknown> | null;
  onclose: EventHandler<CloseEventLike> | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface WebSocketConstructorLike {
  new (url: string, protocols?: string | string[]): WebSocketLike;
}

/** `WebSocket.OPEN`: a constant of the standard, readable without a constructor. */
export const WEBSOCKET_OPEN = 1;
