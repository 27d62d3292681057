import { readFile } from 'node:fs/promises';
import { errors as joseErrors, importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { readAccessGrants, type AccessGrants } from './access-policy.ts';
import { AuthError, type AuthFailureReason } from './auth-error.ts';

/** Asymmetric algorithms accepted with a public key. */
export type JwtPublicKeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

interface JwtCommonOptions {
  /** Expected `iss`; when set, tokens must carry it. */
  readonly issuer?: string | readonly string[];
  /** Expected `aud`; when set, tokens must carry it. */
  readonly audience?: string | readonly string[];
  /** Leeway for `exp` and `nbf` against clock skew, in seconds. Default 5. */
  readonly clockToleranceSeconds?: number;
  /**
   * Refuse tokens without `exp`. Default true: a leaked token that never
   * expires cannot be contained short of rotating the key.
   */
  readonly requireExpiry?: boolean;
  /** Longer tokens are refused before parsing. Default 8 KiB. */
  readonly maxTokenLength?: number;
  /** Current time in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

export type JwtVerifierOptions = JwtCommonOptions &
  (
    | {
        /** HS256 shared secret, at least 32 bytes (RFC 7518 §3.2: no shorter than the hash). */
        readonly secret: string | Uint8Array;
      }
    | {
        readonly algorithm: JwtPublicKeyAlgorithm;
        /** Path of a PEM `PUBLIC KEY` (SPKI) file, read once when the verifier is created. */
        readonly publicKeyPath: string;
      }
    | {
        readonly algorithm: JwtPublicKeyAlgorithm;
        /** PEM `PUBLIC KEY` (SPKI) text, e.g. from an environment variable. */
        readonly publicKey: string;
      }
  );

export interface VerifiedToken {
  /** The `sub` claim. */
  readonly subject?: string;
  /** The `exp` claim in milliseconds since the epoch: when the connection must end. */
  readonly expiresAt?: number;
  /** The `quire` claim: what the token grants. */
  readonly grants: AccessGrants;
  readonly payload: JWTPayload;
}

/** Verifies a compact JWS; throws AuthError `ERR_AUTH_UNAUTHORIZED` for anything but a valid token. */
export type JwtVerifier = (token: string) => Promise<VerifiedToken>;

const MIN_SECRET_BYTES = 32;

/**
 * Builds a verifier for one key. Configuration problems (short secret,
 * unreadable or non-SPKI key file) reject here, at startup, not per request.
 * Only the configured algorithm is accepted, which rules out `alg: none` and
 * the RS256→HS256 confusion attack (signing with the public key as secret).
 */
export async function createJwtVerifier(options: JwtVerifierOptions): Promise<JwtVerifier> {
  const { key, algorithms } = await loadKey(options);
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const maxTokenLength = options.maxTokenLength ?? 8 * 1024;
  if (!(Number.isFinite(clockTolerance) && clockTolerance >= 0)) {
    throw new RangeError(`clockToleranceSeconds must be a non-negative number, got ${String(clockTolerance)}`);
  }
  const requiredClaims = options.requireExpiry === false ? [] : ['exp'];
  const now = options.now ?? Date.now;

  return async (token) => {
    if (token.length === 0) throw unauthorized('missing-token');
    if (token.length > maxTokenLength) throw unauthorized('token-too-long');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms,
        clockTolerance,
        requiredClaims,
        currentDate: new Date(now()),
        ...(options.issuer === undefined ? {} : { issuer: [options.issuer].flat() }),
        ...(options.audience === undefined ? {} : { audience: [options.audience].flat() }),
      }));
    } catch (cause) {
      throw unauthorized(reasonFor(cause), cause);
    }
    const grants = readAccessGrants(payload['quire']);
    if (grants === undefined) throw unauthorized('invalid-claims');
    return {
      grants,
      payload,
      ...(typeof payload.sub === 'string' ? { subject: payload.sub } : {}),
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
  };
}

async function loadKey(options: JwtVerifierOptions): Promise<{ key: CryptoKey | Uint8Array; algorithms: string[] }> {
  if ('secret' in options) {
    const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new RangeError(`the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.byteLength}`);
    }
    return { key: secret, algorithms: ['HS256'] };
  }
  const { algorithm } = options;
  if (algorithm !== 'RS256' && algorithm !== 'ES256' && algorithm !== 'EdDSA') {
    throw new TypeError(`unsupported JWT algorithm ${String(algorithm)}`);
  }
  let pem: string;
  if ('publicKeyPath' in options) {
    try {
      pem = await readFile(options.publicKeyPath, 'utf8');
    } catch (cause) {
      throw new Error(`cannot read the JWT public key file ${options.publicKeyPath}`, { cause });
    }
  } else {
    pem = options.publicKey;
  }
  try {
    // `EdDSA` keys also verify tokens labelled with the newer, fully
    // specified `Ed25519` identifier (RFC 9864) for the same key type.
    const algorithms = algorithm === 'EdDSA' ? ['EdDSA', 'Ed25519'] : [algorithm];
    return { key: await importSPKI(pem.trim(), algorithm), algorithms };
  } catch (cause) {
    throw new TypeError(`the JWT public key is not a PEM SPKI key for ${algorithm}`, { cause });
  }
}

function reasonFor(error: unknown): AuthFailureReason {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm-not-allowed';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return 'invalid-claims';
  // JWSInvalid, JWTInvalid and anything unforeseen: refuse, never let through.
  return 'malformed-token';
}

function unauthorized(reason: AuthFailureReason, cause?: unknown): AuthError {
  return new AuthError('ERR_AUTH_UNAUTHORIZED', reason, `token refused: ${reason}`, { cause });
}
