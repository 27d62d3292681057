import { httpStatusOf } from '../errors/error-catalog.ts';

export type AuthErrorCode = 'ERR_AUTH_UNAUTHORIZED' | 'ERR_AUTH_FORBIDDEN';

/** Why authorization failed, for logs and metrics; never sent to the client. */
export type AuthFailureReason =
  | 'missing-token'
  | 'token-too-long'
  | 'malformed-token'
  | 'bad-signature'
  | 'algorithm-not-allowed'
  | 'expired'
  | 'invalid-claims'
  | 'no-access';

/**
 * Thrown by an `Authorize` hook to refuse a connection. `ERR_AUTH_UNAUTHORIZED`
 * (no valid credentials) maps to HTTP 401 / close 4401, `ERR_AUTH_FORBIDDEN`
 * (valid credentials without access to this document) to HTTP 403 / close
 * 4403, as the error catalog says. Anything else a hook throws is an
 * internal error.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly reason: AuthFailureReason;

  constructor(code: AuthErrorCode, reason: AuthFailureReason, message?: string, options?: { cause?: unknown }) {
    super(message ?? reason, options);
    this.code = code;
    this.reason = reason;
  }

  /** The HTTP status for refusing the upgrade request (from the error catalog). */
  get status(): 401 | 403 {
    return httpStatusOf(this.code);
  }
}
