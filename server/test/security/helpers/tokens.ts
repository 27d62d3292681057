import { createHmac } from 'node:crypto';

/** A 32-byte HS256 secret for tests. */
export const TEST_SECRET = 'quire-test-secret-0123456789abcdef';

export interface TokenClaims {
  readonly sub?: string;
  /** Seconds since the epoch; default an hour from now. Pass null for no `exp`. */
  readonly exp?: number | null;
  readonly read?: readonly string[];
  readonly write?: readonly string[];
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Signs an HS256 JWT with a `quire` claim, the way an operator's token service would. */
export function signToken(claims: TokenClaims, secret: string = TEST_SECRET): string {
  const exp = claims.exp === undefined ? Math.floor(Date.now() / 1000) + 3600 : claims.exp;
  const payload = {
    ...(claims.sub === undefined ? {} : { sub: claims.sub }),
    ...(exp === null ? {} : { exp }),
    quire: { read: claims.read ?? [], write: claims.write ?? [] },
  };
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** A token that may write every document. */
export const writeAll = (sub = 'writer'): string => signToken({ sub, write: ['*'] });
