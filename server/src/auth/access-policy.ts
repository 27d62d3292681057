/** What a connection may do with a document; write implies read. */
export type Access = 'write' | 'read' | 'none';

/**
 * Document names or patterns a token grants, as in the `quire` claim:
 * `{ "read": ["handbook", "team/*"], "write": ["team/notes"] }`.
 * An entry is an exact document name, `prefix/*` (every document below
 * `prefix/`, at any depth), or `*` (every document).
 */
export interface AccessGrants {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

export const NO_GRANTS: AccessGrants = Object.freeze({ read: Object.freeze([]), write: Object.freeze([]) });

/**
 * Whether `pattern` is well formed: `*` may only be a whole last segment.
 * Malformed patterns (`team*`, a star in a middle segment) never match anything, so a
 * typo in a token narrows access rather than widening it.
 */
export function isDocumentPattern(pattern: string): boolean {
  if (pattern.length === 0) return false;
  const star = pattern.indexOf('*');
  if (star === -1) return true;
  if (pattern === '*') return true;
  return star === pattern.length - 1 && pattern.length > 2 && pattern[star - 1] === '/' && !pattern.startsWith('/');
}

export function matchesDocumentPattern(docName: string, pattern: string): boolean {
  // Valid document names never contain `*` (it is reserved for patterns); a
  // name that does cannot be matched, so a pattern can never match literally.
  if (docName.length === 0 || docName.includes('*') || !isDocumentPattern(pattern)) return false;
  if (pattern === '*') return true;
  if (!pattern.endsWith('/*')) return docName === pattern;
  const prefix = pattern.slice(0, -1); // keeps the trailing `/`
  return docName.length > prefix.length && docName.startsWith(prefix);
}

/** The access `grants` give to `docName`. */
export function authorize(docName: string, grants: AccessGrants | undefined): Access {
  if (grants === undefined) return 'none';
  if (grants.write.some((pattern) => matchesDocumentPattern(docName, pattern))) return 'write';
  if (grants.read.some((pattern) => matchesDocumentPattern(docName, pattern))) return 'read';
  return 'none';
}

/**
 * Reads the `quire` claim of a verified token. A missing claim grants
 * nothing; a claim of the wrong shape (not an object, lists that are not
 * arrays of strings) returns undefined, which callers treat as a malformed
 * token. Caps the list lengths, since the claim comes from a token whose
 * issuer may be less careful than its signature suggests.
 */
export function readAccessGrants(claim: unknown, maxEntries = 1000): AccessGrants | undefined {
  if (claim === undefined) return NO_GRANTS;
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return undefined;
  const read = readList((claim as Record<string, unknown>)['read'], maxEntries);
  const write = readList((claim as Record<string, unknown>)['write'], maxEntries);
  if (read === undefined || write === undefined) return undefined;
  return { read, write };
}

function readList(value: unknown, maxEntries: number): readonly string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > maxEntries) return undefined;
  const list: string[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'string') return undefined;
    list.push(entry);
  }
  return list;
}
