import type { CloseCode } from '@quire/protocol';
import type { Connection } from '../room/connection.ts';
import type { Logger } from '../logger.ts';
import { closeCodeOf, httpStatusOf, type ErrorCode } from '../errors/error-catalog.ts';
import { AuthError } from './auth-error.ts';
import type { Authorize, AuthorizeRequest, AuthorizeResult } from './jwt-authorizer.ts';
import { runWithDeadline, DeadlineError } from './run-with-deadline.ts';

export interface SessionAuthOptions {
  /** Undefined: open access, every connection may write and tokens are ignored. */
  readonly authorize: Authorize | undefined;
  /** The request facts every authorize call gets; the token is added per call. */
  readonly request: Omit<AuthorizeRequest, 'token'>;
  /** Deadline for an unauthenticated connection, and for each authorize call. */
  readonly timeoutMs: number;
  readonly connection: Connection;
  readonly logger: Logger;
  /** The connection became authorized (once): join the room. */
  readonly onGranted: () => void;
}

/** Node timers overflow past 2^31 − 1 ms (about 24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why an authorize hook's answer refused a request: its AuthError, its deadline, or anything else it threw. */
export type AuthRefusalCode = AuthError['code'] | 'ERR_AUTH_HOOK_TIMEOUT' | 'ERR_AUTH_HOOK_FAILED';

export interface AuthRefusal {
  readonly closeCode: CloseCode;
  /** The answer to an upgrade request refused before it completes. */
  readonly httpStatus: 401 | 403 | 500 | 503;
  /** Machine-readable, sent to the client; the hook's detailed reason stays in the log. */
  readonly reason: AuthRefusalCode;
}

/** The code a failed authorize call is refused with. */
export function refusalCodeOf(error: unknown): AuthRefusalCode {
  if (error instanceof AuthError) return error.code;
  if (error instanceof DeadlineError) return 'ERR_AUTH_HOOK_TIMEOUT';
  return 'ERR_AUTH_HOOK_FAILED';
}

/** What the client is told for a failed authorization: the code, and the catalog's answers for it. */
export function refusalFor(error: unknown): AuthRefusal {
  const reason = refusalCodeOf(error);
  return { closeCode: closeCodeOf(reason), httpStatus: httpStatusOf(reason), reason };
}

/**
 * The authorization of one connection over its lifetime: the grant it was
 * upgraded with, or (quire.v1) the deadline for its first `auth-token`
 * message; the expiry of its grant, when the connection is closed with 4401;
 * and token refreshes through further `auth-token` messages, which may move
 * the expiry and change the access, but not the subject.
 */
export class SessionAuth {
  private state: 'pending' | 'granted' | 'ended' = 'pending';
  private deadlineTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Token checks run one at a time, in arrival order. */
  private checks: Promise<void> = Promise.resolve();

  constructor(private readonly options: SessionAuthOptions) {}

  get isGranted(): boolean {
    return this.state === 'granted';
  }

  /** With a grant from the upgrade (or open access) the connection is authorized at once; otherwise the deadline starts. */
  start(grant: AuthorizeResult | undefined): void {
    if (grant !== undefined || this.options.authorize === undefined) {
      if (grant !== undefined) this.apply(grant);
      this.state = 'granted';
      this.options.onGranted();
      return;
    }
    this.deadlineTimer = setTimeout(() => {
      this.refuse('ERR_AUTH_TIMEOUT');
    }, this.options.timeoutMs);
    this.deadlineTimer.unref();
  }

  /** Takes a token from an `auth-token` message: the first authentication, or a refresh. */
  submitToken(token: string): void {
    if (this.options.authorize === undefined) return;
    this.checks = this.checks.then(() => this.check(token));
  }

  // A method, not a field read: the state changes across the awaits below.
  private hasEnded(): boolean {
    return this.state === 'ended';
  }

  /** Stops every timer; nothing of this session runs afterwards. */
  end(): void {
    this.state = 'ended';
    this.clearTimers();
  }

  private async check(token: string): Promise<void> {
    const authorize = this.options.authorize;
    if (authorize === undefined || this.hasEnded()) return;
    let grant: AuthorizeResult;
    try {
      grant = await runWithDeadline(authorize({ ...this.options.request, token }), this.options.timeoutMs);
    } catch (error) {
      if (this.hasEnded()) return;
      const code = refusalCodeOf(error);
      this.options.logger.info(
        { docName: this.options.request.docName, connectionId: this.options.connection.id, code, err: error },
        'token refused',
      );
      this.refuse(code);
      return;
    }
    if (this.hasEnded()) return;
    const { connection } = this.options;
    if (this.state === 'granted' && grant.subject !== connection.subject) {
      // A connection acts for one principal; ownership of client IDs hangs on it.
      this.refuse('ERR_AUTH_SUBJECT_CHANGED');
      return;
    }
    this.apply(grant);
    if (this.state === 'pending') {
      if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
      this.state = 'granted';
      this.options.onGranted();
    }
  }

  private apply(grant: AuthorizeResult): void {
    const { connection } = this.options;
    connection.access = grant.access;
    connection.subject = grant.subject;
    this.scheduleExpiry(grant.expiresAt);
  }

  private scheduleExpiry(expiresAt: number | undefined): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (expiresAt === undefined) return;
    const remaining = expiresAt - Date.now();
    if (remaining <= 0) {
      this.refuse('ERR_AUTH_EXPIRED');
      return;
    }
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(expiresAt), Math.min(remaining, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  /** Ends the session and closes the connection with the catalog's close code for `code`. */
  private refuse(code: ErrorCode): void {
    if (this.hasEnded()) return;
    this.end();
    this.options.connection.close(closeCodeOf(code), code);
  }

  private clearTimers(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.deadlineTimer = undefined;
    this.expiryTimer = undefined;
  }
}
