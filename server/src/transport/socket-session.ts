import type { IncomingHttpHeaders } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNSUPPORTED_DATA,
  MESSAGE_QUIRE_AUTH_TOKEN,
  QUIRE_SUBPROTOCOL,
  decodeMessage,
} from '@quire/protocol';
import { Connection } from '../connection.ts';
import type { Logger } from '../logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Room } from '../room.ts';
import type { RoomRegistry } from '../room-registry.ts';
import type { AuthorizeResult } from '../security/jwt-authorizer.ts';
import type { ResolvedSyncServerOptions } from '../server-options.ts';
import { closeCodeForError, errorCodeOf } from '../server-error.ts';
import type { SocketLike } from '../socket-like.ts';
import { SessionAuth } from './session-auth.ts';

/**
 * Messages a connection that authenticates by message may send before its
 * token is accepted (a provider sends sync step 1 and awareness at once).
 * Past it: 1008. Bytes are bounded by the per-connection byte rate.
 */
export const MAX_PRE_AUTH_MESSAGES = 64;

export interface SocketSessionContext {
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  readonly options: ResolvedSyncServerOptions;
}

export interface SocketSessionInit {
  readonly id: number;
  readonly docName: string;
  /** The grant from the upgrade; undefined for open access or a quire.v1 client that authenticates by message. */
  readonly grant: AuthorizeResult | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly address: string;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function adaptSocket(ws: WebSocket, metrics: ServerMetrics): SocketLike {
  return {
    get protocol() {
      return ws.protocol;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (data) => {
      metrics.messageSent(data);
      ws.send(data);
    },
    close: (code, reason) => ws.close(code, reason),
  };
}

/**
 * One accepted socket: its Connection, its authorization, the per-connection
 * rate limits, and its room once it is authorized. No room is loaded for a
 * connection that never authenticates.
 */
export function runSocketSession(ws: WebSocket, init: SocketSessionInit, context: SocketSessionContext): Connection {
  const { registry, logger, options } = context;
  const { docName } = init;
  const extensions = ws.protocol === QUIRE_SUBPROTOCOL;
  const connection = new Connection({
    id: init.id,
    docName,
    socket: adaptSocket(ws, options.metrics),
    extensions,
    maxBufferedBytes: options.maxBufferedBytes,
    onSlowConsumer: (slow) => slow.close(CLOSE_TRY_AGAIN_LATER, 'ERR_SLOW_CONSUMER'),
    rates: options,
    access: init.grant?.access ?? (options.authorize === undefined ? 'write' : 'none'),
    ...(init.grant?.subject === undefined ? {} : { subject: init.grant.subject }),
  });
  let room: Room | undefined;
  const preAuth: Uint8Array[] = [];

  const deliver = (target: Room, bytes: Uint8Array): void => {
    if (target.state === 'loading' && connection.pendingMessages.length >= options.maxQueuedMessages) {
      connection.close(CLOSE_POLICY_VIOLATION, 'ERR_QUEUE_FULL');
      return;
    }
    target.receive(connection, bytes);
  };

  const session = new SessionAuth({
    authorize: options.authorize,
    request: { docName, headers: init.headers, remoteAddress: init.address },
    timeoutMs: options.authTimeoutMs,
    connection,
    logger,
    onGranted: () => {
      if (connection.isClosed) return;
      const joined = registry.acquire(docName);
      room = joined;
      joined.addConnection(connection);
      for (const bytes of preAuth.splice(0)) deliver(joined, bytes);
    },
  });

  const onMessage = (data: RawData, isBinary: boolean): void => {
    if (connection.isClosed) return;
    if (!isBinary) {
      connection.close(CLOSE_UNSUPPORTED_DATA, 'ERR_TEXT_FRAME');
      return;
    }
    const bytes = toBytes(data);
    options.metrics.messageReceived(bytes);
    if (!connection.admitMessage(bytes.byteLength)) {
      connection.close(CLOSE_POLICY_VIOLATION, 'ERR_RATE_LIMITED');
      return;
    }
    // Token messages are the transport's business (the room never sees
    // credentials). 105 encodes as the single byte 0x69.
    if (extensions && bytes[0] === MESSAGE_QUIRE_AUTH_TOKEN) {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok || decoded.message.type !== 'auth-token') {
        const error = decoded.ok ? undefined : decoded.error;
        connection.close(closeCodeForError(error), errorCodeOf(error));
        return;
      }
      session.submitToken(decoded.message.token);
      return;
    }
    if (room === undefined) {
      if (preAuth.length >= MAX_PRE_AUTH_MESSAGES) connection.close(CLOSE_POLICY_VIOLATION, 'ERR_PRE_AUTH_QUEUE_FULL');
      else preAuth.push(bytes);
      return;
    }
    deliver(room, bytes);
  };

  ws.on('message', onMessage);
  ws.on('error', (error) => {
    logger.warn({ docName, connectionId: connection.id, err: error }, 'socket error');
  });
  ws.once('close', (code) => {
    session.end();
    preAuth.length = 0;
    if (room !== undefined) {
      room.removeConnection(connection);
      registry.release(room);
    }
    logger.info(
      { docName, connectionId: connection.id, durationMs: Date.now() - connection.openedAt, code },
      'connection closed',
    );
  });
  logger.info(
    { docName, connectionId: connection.id, extensions, access: connection.access, subject: connection.subject },
    'connection opened',
  );
  session.start(init.grant);
  return connection;
}
