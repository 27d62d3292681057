import {
  CLOSE_BAD_MESSAGE,
  CLOSE_FORBIDDEN,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNAUTHORIZED,
  findCloseCode,
} from '@quire/protocol';
import type { ServerErrorInfo } from './provider-events.ts';

/** What the provider does after a connection closed that it did not close itself. */
export type CloseDecision =
  | { readonly kind: 'reconnect' }
  /**
   * The server turned the connection away for now (1013: overloaded, or the
   * client ID is still held by this client's previous socket while the
   * server checks it). Reconnect, but the backoff window keeps growing even
   * if the connection synced first: it did no useful work.
   */
  | { readonly kind: 'retry-later' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'permission-denied'; readonly reason: string };

export interface CloseFacts {
  /** The close code as the socket reported it (1005/1006 when no code came). */
  readonly code: number;
  readonly reason: string;
  /** The quire.v1 `error` message received just before the close, if any. */
  readonly serverError: ServerErrorInfo | null;
  /** How many connections in a row, this one included, were closed as malformed (1007). */
  readonly badMessageStreak: number;
}

/** How many malformed-message closes in a row are taken as "the local document holds bad data". */
export const MAX_BAD_MESSAGE_STREAK = 2;

const RECONNECT: CloseDecision = Object.freeze({ kind: 'reconnect' });
const STOP: CloseDecision = Object.freeze({ kind: 'stop' });
const RETRY_LATER: CloseDecision = Object.freeze({ kind: 'retry-later' });

/**
 * The provider's close-code policy: the `reconnect` flag of the shared close
 * code table, with permission codes reported as such, a repeated 1007 taken
 * as permanent, 1013 retried without resetting the backoff, and unknown
 * 4400–4499 codes treated as permanent as the stock client does.
 */
export function decideAfterClose(facts: CloseFacts): CloseDecision {
  // A lost close frame (1005/1006) after an error message: the message says why.
  const abnormal = facts.code === 1005 || facts.code === 1006;
  const code = abnormal && facts.serverError !== null ? facts.serverError.code : facts.code;
  const entry = findCloseCode(code);
  if (entry === CLOSE_UNAUTHORIZED || entry === CLOSE_FORBIDDEN) {
    const reason = facts.serverError?.reason ?? (facts.reason.length > 0 ? facts.reason : entry.reason);
    return { kind: 'permission-denied', reason };
  }
  if (entry === undefined) return code >= 4400 && code < 4500 ? STOP : RECONNECT;
  if (entry === CLOSE_BAD_MESSAGE) return facts.badMessageStreak >= MAX_BAD_MESSAGE_STREAK ? STOP : RECONNECT;
  if (entry === CLOSE_TRY_AGAIN_LATER) return RETRY_LATER;
  return entry.reconnect ? RECONNECT : STOP;
}
