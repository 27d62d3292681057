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

/** Plain HTTP endpoints served beside the WebSocket upgrade. */
export function createHttpHandler(context: HttpRoutesContext) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'method not allowed' });
      return;
    }
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
      case '/api/documents': {
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
        return;
      }
      default:
        if (context.staticFiles !== null && (await context.staticFiles.serve(request, response, pathname))) return;
        sendJson(response, 404, { error: 'not found' });
    }
  };
}
