// @quire/server: the public API for embedding the sync server (docs/api.md).
// Deliberately small: rooms, connections and the rest of the engine are
// internals, free to change; server/test/public-api.test.ts pins this list.

export { createSyncServer } from './sync-server.ts';
export type { SyncServer, CreateSyncServerOptions as SyncServerOptions } from './sync-server.ts';
export { createSyncHandler } from './sync-handler.ts';
export type { SyncHandler, SyncHandlerOptions } from './sync-handler.ts';
export type { ServerDocuments } from './server-documents.ts';
export type { ClusterOptions } from './server-options.ts';

export type {
  ServerEvents,
  ServerEventMap,
  ServerEventName,
  ServerEventListener,
  DocumentLoadedEvent,
  DocumentChangedEvent,
  DocumentChangeAuthor,
  DocumentStoredEvent,
  ConnectionOpenedEvent,
  ConnectionClosedEvent,
} from './events/server-events.ts';

export { createLogger, createSilentLogger } from './logger.ts';
export type { Logger, LogLevel } from './logger.ts';
export { createServerMetrics } from './metrics/server-metrics.ts';
export type { ServerMetrics, ServerMetricsOptions, MetricsSources } from './metrics/server-metrics.ts';

export { createJwtAuthorizer, defineAuthorize, readBearerToken } from './auth/jwt-authorizer.ts';
export type { Authorize, AuthorizeRequest, AuthorizeResult } from './auth/jwt-authorizer.ts';
export type { JwtVerifierOptions, JwtPublicKeyAlgorithm } from './auth/jwt-verifier.ts';

export { ServerError } from './server-error.ts';
export type { ServerErrorCode } from './server-error.ts';
export { AuthError } from './auth/auth-error.ts';
export type { AuthErrorCode, AuthFailureReason } from './auth/auth-error.ts';
export { InvalidDocumentNameError, ServerClosedError } from './server-documents.ts';
