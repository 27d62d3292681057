export interface OriginCheckOptions {
  /**
   * Whether a request without an `Origin` header passes. Default true:
   * browsers always send Origin on a WebSocket handshake, so its absence
   * means a non-browser client (a Node provider, a native app). Those are not
   * what the check protects against — cross-site WebSocket hijacking rides on
   * a victim browser's ambient cookies — and they could forge any Origin
   * anyway. Token authentication still applies to them.
   */
  readonly allowMissing?: boolean;
}

/** Decides whether an upgrade request's `Origin` header is acceptable. */
export type OriginCheck = (origin: string | undefined) => boolean;

/**
 * Builds an origin check from an allow-list of exact origins
 * (`https://app.example.com`, `http://localhost:5173`) or `*` for any.
 * Entries are normalised once (lower-case host, default port dropped) the
 * way browsers serialise the header; an entry that is not a bare origin
 * (has a path, no scheme, or is `null`) is a configuration error and throws
 * TypeError. Incoming values are compared exactly, never parsed leniently.
 */
export function createOriginCheck(allowList: readonly string[], options: OriginCheckOptions = {}): OriginCheck {
  const allowMissing = options.allowMissing ?? true;
  const any = allowList.includes('*');
  const allowed = new Set(allowList.filter((entry) => entry !== '*').map(normaliseOrigin));
  return (origin) => {
    if (origin === undefined) return allowMissing;
    return any || allowed.has(origin);
  };
}

/** One-off form of `createOriginCheck`; prefer building the check once at startup. */
export function isOriginAllowed(
  origin: string | undefined,
  allowList: readonly string[],
  options: OriginCheckOptions = {},
): boolean {
  return createOriginCheck(allowList, options)(origin);
}

function normaliseOrigin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new TypeError(`origin allow-list entry ${JSON.stringify(entry)} is not an origin`);
  }
  // `new URL` also accepts paths, credentials and opaque schemes; an origin has none.
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if (url.origin === 'null' || !bare || /\/[^/]/.test(entry.slice(url.protocol.length + 2))) {
    throw new TypeError(`origin allow-list entry ${JSON.stringify(entry)} is not a bare scheme://host[:port]`);
  }
  return url.origin;
}
