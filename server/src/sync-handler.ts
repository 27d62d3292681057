import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createEmbeddedHttpRoutes } from './http/http-routes.ts';
import type { SyncServerOptions } from './server-options.ts';
import type { ServerEventOptions } from './events/event-options.ts';
import type { ServerEvents } from './events/server-events.ts';
import type { ServerDocuments } from './server-documents.ts';
import { createSyncEngine, warnIfOpenAccess, type SyncEngine } from './sync-engine.ts';

/**
 * The settings of a sync server that runs on an app's HTTP server: those of
 * createSyncServer less the ones about an HTTP server of its own.
 */
export type SyncHandlerOptions = Omit<SyncServerOptions, OwnServerOption> & ServerEventOptions;

/** Settings of the HTTP server Quire would listen on, meaningless on an app's. */
type OwnServerOption = 'host' | 'port' | 'staticDir' | 'handshakeTimeoutMs';
const OWN_SERVER_OPTIONS: readonly OwnServerOption[] = ['host', 'port', 'staticDir', 'handshakeTimeoutMs'];

/**
 * The sync server as two handlers for an app's HTTP server (docs/embedding.md).
 * With a `pathPrefix`, only upgrades and requests under it are Quire's; the
 * rest stay the app's.
 */
export interface SyncHandler extends ServerEvents {
  /** Where documents live: `<pathPrefix>/<documentName>`. */
  readonly pathPrefix: string;
  /** Server-side changes to documents, broadcast and stored like a client's. */
  readonly documents: ServerDocuments;
  /** Open WebSocket connections. */
  readonly connectionCount: number;
  /**
   * For the HTTP server's `upgrade` event. Takes the socket and returns true
   * when the path is under `pathPrefix` (a document, or refused with an HTTP
   * error as createSyncServer refuses it); returns false and leaves the
   * socket alone otherwise, for the app's own WebSocket endpoints. Bound:
   * `server.on('upgrade', quire.handleUpgrade)` works.
   */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /**
   * Answers Quire's HTTP endpoints under `pathPrefix` (`healthz`, `readyz`,
   * `metrics`, `api/documents`) and resolves true once answered; resolves
   * false at once, without touching the response, for any other path, so
   * the app's framework carries on. Never rejects: a failure is logged and
   * answered 500. Bound, like handleUpgrade.
   */
  readonly handleRequest: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  /**
   * Upgrades under the prefix get 503 from now on; closes every socket with
   * 1001, stores every change, emits the pending events, closes the store.
   * Never closes the app's HTTP server. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** A handler with the parts createSyncServer needs to put it on an app's server. */
export interface EmbeddedSync {
  readonly engine: SyncEngine;
  readonly handler: SyncHandler;
  /** Whether handleRequest would answer `request`; decided at once. */
  readonly ownsRequest: (request: IncomingMessage) => boolean;
}

/** Refuses the options of an HTTP server of Quire's own: the app's server has its own settings. */
export function refuseOwnServerOptions(options: object, caller: string): void {
  for (const key of OWN_SERVER_OPTIONS) {
    if ((options as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(`${caller}: ${key} does not apply on an app's HTTP server (the app listens and serves its own files)`);
    }
  }
}

function pathOf(request: IncomingMessage): string {
  // The raw path, as the transport reads it (upgrade-request.ts).
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  return queryStart === -1 ? target : target.slice(0, queryStart);
}

/** The handler and its parts; `name` is how its logs call it. */
export function createEmbeddedSync(options: SyncHandlerOptions, name: string): EmbeddedSync {
  const engine = createSyncEngine(options);
  const { logger, transport, options: resolved } = engine;
  const routes = createEmbeddedHttpRoutes({ ...engine.httpContext, staticFiles: null }, resolved.pathPrefix);
  // The prefix as parseDocumentPath matches it: whole segments, so `/docs` does not take `/docsa`.
  const upgradeBase = resolved.pathPrefix.endsWith('/') ? resolved.pathPrefix : `${resolved.pathPrefix}/`;
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    engine.stopAccepting();
    await engine.closeConnections();
    await engine.closeStore();
    logger.info(`${name} closed`);
  };

  const handler: SyncHandler = {
    pathPrefix: resolved.pathPrefix,
    documents: engine.documents,
    get connectionCount() {
      return transport.connectionCount;
    },
    on: (event, listener) => engine.on(event, listener),
    off: (event, listener) => engine.off(event, listener),
    handleUpgrade: (request, socket, head) => {
      if (!pathOf(request).startsWith(upgradeBase)) return false;
      transport.handleUpgrade(request, socket, head);
      return true;
    },
    handleRequest: async (request, response) => {
      const endpoint = routes.endpointOf(request);
      if (endpoint === undefined) return false;
      try {
        await routes.answer(request, response, endpoint);
      } catch (error) {
        logger.error({ err: error }, 'http handler failed');
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }
      return true;
    },
    close: () => (closing ??= close()),
  };
  warnIfOpenAccess(engine);
  logger.info({ pathPrefix: resolved.pathPrefix }, `${name} ready`);
  return { engine, handler, ownsRequest: (request) => routes.endpointOf(request) !== undefined };
}

/**
 * The sync server without an HTTP server of its own, for an app to call from
 * its server's `upgrade` and `request` handlers (Express, Fastify, Koa, plain
 * `node:http`). Nothing listens until the app does.
 */
export function createSyncHandler(options: SyncHandlerOptions): SyncHandler {
  refuseOwnServerOptions(options, 'createSyncHandler');
  return createEmbeddedSync(options, 'quire sync handler').handler;
}
