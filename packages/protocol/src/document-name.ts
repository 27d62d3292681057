/** Longest accepted document name, in bytes of UTF-8. */
export const MAX_DOCUMENT_NAME_BYTES = 255;

export type DocumentNameProblem =
  | 'empty'
  | 'too-long'
  | 'bad-encoding'
  | 'control-character'
  | 'blank'
  | 'empty-segment'
  | 'dot-segment'
  | 'wildcard'
  | 'outside-prefix';

export type DocumentNameResult =
  | { readonly ok: true; readonly docName: string }
  | { readonly ok: false; readonly problem: DocumentNameProblem };

const encoder = new TextEncoder();
// C0 controls, DEL and C1 controls (Unicode's Cc: U+0000–U+001F, U+007F–U+009F).
// Also rules out NUL, which storage backends rely on as a key separator.
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Checks a decoded document name. `/` separates namespaces, so segments must be
 * non-empty and may not be `.` or `..` (names must never look like paths that
 * walk upwards). `*` is reserved for access patterns such as `team/*`.
 */
export function validateDocumentName(docName: string): DocumentNameResult {
  if (docName.length === 0) return { ok: false, problem: 'empty' };
  if (encoder.encode(docName).byteLength > MAX_DOCUMENT_NAME_BYTES) {
    return { ok: false, problem: 'too-long' };
  }
  if (!docName.isWellFormed()) return { ok: false, problem: 'bad-encoding' };
  if (CONTROL_CHARACTER.test(docName)) return { ok: false, problem: 'control-character' };
  if (docName.trim().length === 0) return { ok: false, problem: 'blank' };
  if (docName.includes('*')) return { ok: false, problem: 'wildcard' };
  for (const segment of docName.split('/')) {
    if (segment.length === 0) return { ok: false, problem: 'empty-segment' };
    if (segment === '.' || segment === '..') return { ok: false, problem: 'dot-segment' };
  }
  return { ok: true, docName };
}

export function isValidDocumentName(docName: string): boolean {
  return validateDocumentName(docName).ok;
}

/**
 * Turns the path of an upgrade request (without the query string) into a
 * document name: strips `prefix`, URL-decodes, then validates. The prefix is
 * matched as whole path segments: `/docs` and `/docs/` both accept `/docs/a`
 * and both refuse `/docsa` (y-websocket builds `serverUrl + '/' + roomname`).
 */
export function parseDocumentPath(pathname: string, prefix = '/'): DocumentNameResult {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (!pathname.startsWith(base)) return { ok: false, problem: 'outside-prefix' };
  const encoded = pathname.slice(base.length);
  if (encoded.length > MAX_DOCUMENT_NAME_BYTES * 3) return { ok: false, problem: 'too-long' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, problem: 'bad-encoding' };
  }
  return validateDocumentName(decoded);
}
