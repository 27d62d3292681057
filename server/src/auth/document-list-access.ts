import type { IncomingMessage } from 'node:http';
import type { DocumentInfo } from '@quire/storage';
import { runWithDeadline } from './run-with-deadline.ts';
import { refusalCodeOf, type AuthRefusalCode } from './session-auth.ts';
import type { Authorize } from './jwt-authorizer.ts';

/** What the document list may show to one request. */
export type DocumentListAccess =
  | { readonly ok: true; readonly documents: readonly DocumentInfo[] }
  /** Refused as a whole; the route answers with the catalog's HTTP status for the code. */
  | { readonly ok: false; readonly code: Exclude<AuthRefusalCode, 'ERR_AUTH_FORBIDDEN'> };

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
      const code = refusalCodeOf(error);
      // Forbidden for one document: valid credentials, just not for it.
      if (code === 'ERR_AUTH_FORBIDDEN') continue;
      return { ok: false, code };
    }
  }
  return { ok: true, documents: visible };
}
