import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { documentsVisibleTo } from '../auth/document-list-access.ts';
import type { Authorize } from '../auth/jwt-authorizer.ts';
import type { OriginCheck } from '../auth/origin-policy.ts';
import type { StaticFiles } from './static-files.ts';
import { httpStatusOf } from '../errors/error-catalog.ts';
import { httpStatusForError } from '../server-error.ts';

export interface HttpRoutesContext {
  readonly store: DocumentStore;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly isServing: () => boolean;
  /** A built web app served to GETs no endpoint answers; null: none. */
  readonly staticFiles: StaticFiles | null;
  /** The WebSocket's authorization hook, which the document list obeys too; undefined: open access. */
  readonly authorize: Authorize | undefined;
  readonly authTimeoutMs: number;
  /** The WebSocket's origin allow-list, which the document list obeys too. */
  readonly originCheck: OriginCheck;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

/** The paths of Quire's own endpoints, relative to where they are mounted. */
const ENDPOINTS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/api/documents']);

/**
 * Answers one of Quire's endpoints (`pathname` is in ENDPOINTS), for a GET or
 * HEAD request.
 */
async function answerEndpoint(
  context: HttpRoutesContext,
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
): Promise<void> {
  switch (pathname) {
    case '/healthz':
      if (context.isServing()) sendJson(response, 200, { status: 'ok' });
      else sendJson(response, 503, { status: 'shutting down' });
      return;
    case '/readyz':
      // Ready: serving, and storage open and accepting writes.
      if (!context.isServing()) {
        sendJson(response, 503, { status: 'shutting down' });
        return;
      }
      try {
        await context.store.checkWritable();
        sendJson(response, 200, { status: 'ready' });
      } catch (error) {
        context.logger.warn({ err: error }, 'readiness check failed');
        sendJson(response, 503, { status: 'storage unavailable' });
      }
      return;
    case '/metrics': {
      const text = await context.metrics.render();
      response.writeHead(200, { 'content-type': context.metrics.contentType, 'cache-control': 'no-store' });
      response.end(text);
      return;
    }
    default: {
      const origin = request.headers.origin;
      if (!context.originCheck(typeof origin === 'string' ? origin : undefined)) {
        sendJson(response, 403, { error: 'origin not allowed' });
        return;
      }
      try {
        const access = await documentsVisibleTo(request, await context.store.list(), context.authorize, context.authTimeoutMs);
        if (!access.ok) {
          const status = httpStatusOf(access.code);
          const headers = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
          sendJson(response, status, { error: access.code }, headers);
          return;
        }
        sendJson(response, 200, {
          documents: access.documents.map((document) => ({
            name: document.name,
            storedBytes: document.storedBytes,
            updatedAt: document.updatedAt.toISOString(),
          })),
        });
      } catch (error) {
        context.logger.error({ err: error }, 'listing documents failed');
        sendJson(response, httpStatusForError(error), { error: 'storage unavailable' });
      }
    }
  }
}

/** Plain HTTP endpoints served beside the WebSocket upgrade: the whole of a standalone server's HTTP side. */
export function createHttpHandler(context: HttpRoutesContext) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'method not allowed' });
      return;
    }
    if (ENDPOINTS.has(pathname)) {
      await answerEndpoint(context, request, response, pathname);
      return;
    }
    if (context.staticFiles !== null && (await context.staticFiles.serve(request, response, pathname))) return;
    sendJson(response, 404, { error: 'not found' });
  };
}

/** The endpoints of an embedded server, which shares its HTTP server with an app. */
export interface EmbeddedHttpRoutes {
  /**
   * The endpoint `request` is for (its path without `pathPrefix`), or
   * undefined when it is not one of Quire's: the app's then. Synchronous, so
   * a request that is not Quire's reaches the app's handler unchanged.
   */
  endpointOf(request: IncomingMessage): string | undefined;
  /** Answers `endpoint` (from endpointOf); a non-GET gets 405. */
  answer(request: IncomingMessage, response: ServerResponse, endpoint: string): Promise<void>;
}

/**
 * Quire's endpoints under `pathPrefix` (`/collab/healthz` with `/collab`),
 * so an app's own routes beside them, its own `/healthz` included, stay its own.
 * No static files and no 404: every other path is the app's.
 */
export function createEmbeddedHttpRoutes(context: HttpRoutesContext, pathPrefix: string): EmbeddedHttpRoutes {
  const base = pathPrefix.endsWith('/') ? pathPrefix.slice(0, -1) : pathPrefix;
  return {
    endpointOf(request) {
      const target = request.url ?? '/';
      const queryStart = target.indexOf('?');
      const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
      if (!pathname.startsWith(base)) return undefined;
      const endpoint = pathname.slice(base.length);
      return ENDPOINTS.has(endpoint) ? endpoint : undefined;
    },
    async answer(request, response, endpoint) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        sendJson(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
        return;
      }
      await answerEndpoint(context, request, response, endpoint);
    },
  };
}
