import { validateDocumentName } from '@quire/protocol';

/**
 * Rejects names the wire protocol would never produce. Backends rely on this: a
 * valid name contains no NUL, so it can be used as a key segment unescaped.
 */
export function assertDocumentName(docName: unknown): asserts docName is string {
  if (typeof docName !== 'string') {
    throw new TypeError(`Document name must be a string, got ${typeof docName}`);
  }
  const result = validateDocumentName(docName);
  if (!result.ok) throw new TypeError(`Invalid document name (${result.problem})`);
}
