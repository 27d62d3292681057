/**
 * The `exp` claim of a JWT in milliseconds since the epoch, read without
 * verifying anything (the server verifies; the client only needs to know
 * when to refresh). Undefined for anything that is not a JWT with a numeric
 * `exp`, including opaque tokens.
 */
export function readTokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined || payload.length === 0 || payload.length > 16_384) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
