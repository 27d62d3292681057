import type { IncomingMessage } from 'node:http';
import type { DocumentInfo } from '@quire/storage';
import { runWithDeadline } from './run-with-deadline.ts';
import { refusalFor } from './session-auth.ts';
import type { Authorize } from './jwt-authorizer.ts';

/** What the document list may show to one request. */
export type DocumentListAccess =
  | { readonly ok: true; readonly documents: readonly DocumentInfo[] }
  | { readonly ok: false; readonly status: 401 | 403 | 500 | 503; readonly reason: string };

// Asked for when there is no document to ask about, so that a bad token is
// still told apart from a good one: a valid name no client can have opened.
const PROBE_DOCUMENT = 'quire/document-list';

/**
 * The documents a request may see in `GET /api/documents`: with no
 * `authorize` hook, all; with one, the request's token must be valid (401
 * otherwise) and only the documents the hook grants it read or write access
 * to are listed. The hook is asked per document, as for a WebSocket, so a
 * custom hook's rules apply to the list too.
 */
export async function documentsVisibleTo(
  request: IncomingMessage,
  documents: readonly DocumentInfo[],
  authorize: Authorize | undefined,
  timeoutMs: number,
): Promise<DocumentListAccess> {
  if (authorize === undefined) return { ok: true, documents };
  const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
  const ask = (docName: string): Promise<unknown> =>
    runWithDeadline(
      authorize({
        docName,
        ...(token === undefined ? {} : { token }),
        headers: request.headers,
        ...(request.socket.remoteAddress === undefined ? {} : { remoteAddress: request.socket.remoteAddress }),
      }),
      timeoutMs,
    );
  const visible: DocumentInfo[] = [];
  for (const document of documents.length === 0 ? [undefined] : documents) {
    try {
      await ask(document?.name ?? PROBE_DOCUMENT);
      if (document !== undefined) visible.push(document);
    } catch (error) {
      const { httpStatus, reason } = refusalFor(error);
      // Forbidden for one document: valid credentials, just not for it.
      if (httpStatus === 403) continue;
      return { ok: false, status: httpStatus === 401 ? 401 : httpStatus === 503 ? 503 : 500, reason };
    }
  }
  return { ok: true, documents: visible };
}
