import type { DocumentStore } from '@quire/storage';
import type { Logger } from './logger.ts';

export interface SyncServerOptions {
  /** Where documents live. The server closes it on `close()`. */
  readonly store: DocumentStore;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one. Default 1234. */
  readonly port?: number;
  /** A pino-compatible logger. Default: silent. */
  readonly logger?: Logger;
  /** Only upgrade paths under this prefix are documents; the rest of the path is the name. Default '/'. */
  readonly pathPrefix?: string;
  /** Largest accepted WebSocket message, in bytes (ws `maxPayload`). Default 32 MiB. */
  readonly maxMessageBytes?: number;
  /** A connection whose unsent data passes this many bytes is closed with 1013. Default 16 MiB. */
  readonly maxBufferedBytes?: number;
  /** Messages a connection may send while its document loads; past it, 1008. Default 1000. */
  readonly maxQueuedMessages?: number;
  /** How long an empty document stays in memory before it is flushed and unloaded. Default 5 s. */
  readonly roomIdleMs?: number;
  /**
   * Period of the liveness sweep: sockets that did not answer the previous
   * ping are dropped, and connections that were sent nothing for a period get
   * a no-op message (stock clients reconnect after 30 s of silence). 0 turns
   * it off. Default 10 s.
   */
  readonly keepAliveIntervalMs?: number;
}

export type ResolvedSyncServerOptions = Required<SyncServerOptions>;

export const SYNC_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 1234,
  pathPrefix: '/',
  maxMessageBytes: 32 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 1000,
  roomIdleMs: 5_000,
  keepAliveIntervalMs: 10_000,
} as const;
