import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { QUIRE_SUBPROTOCOL } from '@quire/protocol';

/** What the upgrade checks read from a request, taken once. */
export interface UpgradeFacts {
  /** The raw request path, without the query. */
  readonly pathname: string;
  /** The `token` query parameter (what y-websocket clients send through `params`). */
  readonly token: string | undefined;
  readonly origin: string | undefined;
  /** The client's IP address as the socket reports it ('unknown' if the socket is already gone). */
  readonly address: string;
  /** Whether `quire.v1` is among the offered subprotocols. */
  readonly offersExtensions: boolean;
}

export function readUpgradeFacts(request: IncomingMessage): UpgradeFacts {
  // The raw request path, not a WHATWG-normalised one: normalising would fold
  // "a/../b" into "b" and let two spellings address one document.
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? undefined : new URLSearchParams(target.slice(queryStart + 1));
  const token = query?.get('token') ?? undefined;
  const protocols = request.headers['sec-websocket-protocol'];
  const offersExtensions =
    typeof protocols === 'string' && protocols.split(',').some((protocol) => protocol.trim() === QUIRE_SUBPROTOCOL);
  return {
    pathname,
    token: token === '' ? undefined : token,
    origin: request.headers.origin,
    address: request.socket.remoteAddress ?? 'unknown',
    offersExtensions,
  };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, body: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
