import { authorize } from './access-policy.ts';
import { AuthError } from './auth-error.ts';
import { createJwtVerifier, type JwtVerifierOptions } from './jwt-verifier.ts';

/** What the server knows about an upgrade request when it asks for authorization. */
export interface AuthorizeRequest {
  readonly docName: string;
  /** The `token` query parameter, which y-websocket clients send through `params`. */
  readonly token?: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly remoteAddress?: string;
}

export interface AuthorizeResult {
  readonly access: 'read' | 'write';
  /** When the grant ends (ms since the epoch): the connection is closed then. */
  readonly expiresAt?: number;
  /** Who the connection acts for: logs, and the principal for client-ID take-over. */
  readonly subject?: string;
}

/**
 * The operator's authorization hook: resolves with the access granted, or
 * throws AuthError (`ERR_AUTH_UNAUTHORIZED` → 401 / 4401,
 * `ERR_AUTH_FORBIDDEN` → 403 / 4403). Anything else it throws is an internal
 * error and refuses the connection too.
 */
export type Authorize = (request: AuthorizeRequest) => Promise<AuthorizeResult>;

/** Checks at configuration time that a user-supplied hook is a function. */
export function defineAuthorize(authorizeHook: Authorize): Authorize {
  if (typeof authorizeHook !== 'function') {
    throw new TypeError(`authorize must be a function, got ${typeof authorizeHook}`);
  }
  return authorizeHook;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The token of a request: the `token` query parameter if present, else an
 * `Authorization: Bearer` header. Undefined when there is neither.
 */
export function readBearerToken(request: Pick<AuthorizeRequest, 'token' | 'headers'>): string | undefined {
  if (request.token !== undefined && request.token !== '') return request.token;
  const header = request.headers['authorization'];
  // A repeated Authorization header is ambiguous: refuse rather than pick one.
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

/**
 * An Authorize hook for JWT bearer tokens whose `quire` claim lists the
 * documents it may read and write (see access-policy.ts). Missing, invalid
 * or expired tokens are unauthorized; valid tokens without access to the
 * document are forbidden. Reads the key file once, here.
 */
export async function createJwtAuthorizer(options: JwtVerifierOptions): Promise<Authorize> {
  const verify = await createJwtVerifier(options);
  return async (request) => {
    const token = readBearerToken(request);
    if (token === undefined) throw new AuthError('ERR_AUTH_UNAUTHORIZED', 'missing-token', 'no token');
    const verified = await verify(token);
    const access = authorize(request.docName, verified.grants);
    if (access === 'none') {
      throw new AuthError('ERR_AUTH_FORBIDDEN', 'no-access', `no access to document ${JSON.stringify(request.docName)}`);
    }
    return {
      access,
      ...(verified.expiresAt === undefined ? {} : { expiresAt: verified.expiresAt }),
      ...(verified.subject === undefined ? {} : { subject: verified.subject }),
    };
  };
}
