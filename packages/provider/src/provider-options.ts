import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { buildDocumentUrl } from './document-url.ts';
import type { TokenSource } from './token-refresh.ts';
import {
  defaultOnlineTarget,
  defaultVisibilityTarget,
  type EventTargetLike,
  type VisibilityTargetLike,
} from './watch-connectivity.ts';
import type { WebSocketConstructorLike } from './websocket-like.ts';

export interface QuireProviderOptions {
  /** The server: `ws(s)://host:port[/prefix]` (http(s) is mapped to ws(s)). Give `url` or `urls`. */
  readonly url?: string;
  /** Several servers; after a failure the provider moves on to the next one, round robin. */
  readonly urls?: readonly string[];
  /** The document name, e.g. `team/notes`; `/` separates namespaces. */
  readonly document: string;
  readonly doc: Y.Doc;
  /** Default: a new Awareness on `doc`, which `destroy()` destroys too. */
  readonly awareness?: Awareness;
  /**
   * Credentials, sent as the `token` query parameter. A function is asked
   * for a fresh token before every connection attempt and, on quire.v1,
   * again shortly before the current token's `exp`; the new token goes to
   * the server in an `auth-token` message, so the session continues.
   */
  readonly token?: string | TokenSource;
  /** With a token function: refresh this long before `exp` (at most half the token's remaining life). Default 60 s. */
  readonly tokenRefreshMarginMs?: number;
  /** More query parameters. */
  readonly params?: Readonly<Record<string, string>>;
  /** The WebSocket class; default `globalThis.WebSocket`. In Node pass `WebSocket` from `ws`. */
  readonly WebSocketPolyfill?: WebSocketConstructorLike;
  /** Connect at once. Default true. */
  readonly connect?: boolean;
  /**
   * Offer the `quire.v1` subprotocol (saved acknowledgements, stateless
   * messages, heartbeat, error reasons). Default true. Turn it off only for a
   * server that refuses handshakes offering a subprotocol it does not know.
   */
  readonly extensions?: boolean;
  /** Upper bound of the first retry's random delay. Default 100 ms. */
  readonly minBackoffMs?: number;
  /** The retry window stops doubling here. Default 10 s. */
  readonly maxBackoffMs?: number;
  /** A connection that brings no message for this long is dead and replaced. Default 30 s. */
  readonly messageTimeoutMs?: number;
  /** On quire.v1, ping after this long without a message; 0 = never. Must be below `messageTimeoutMs`. Default 10 s. */
  readonly heartbeatIntervalMs?: number;
  /** Becoming visible after at least this long hidden reconnects at once. Default 60 s. */
  readonly longHiddenMs?: number;
  /** Where `online` events come from; default `globalThis` in browsers. null: ignore. */
  readonly onlineTarget?: EventTargetLike | null;
  /** Where `visibilitychange` comes from; default `globalThis.document`. null: ignore. */
  readonly visibilityTarget?: VisibilityTargetLike | null;
  /** Source of the backoff jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

export const PROVIDER_DEFAULTS = Object.freeze({
  connect: true,
  extensions: true,
  minBackoffMs: 100,
  maxBackoffMs: 10_000,
  messageTimeoutMs: 30_000,
  heartbeatIntervalMs: 10_000,
  longHiddenMs: 60_000,
  tokenRefreshMarginMs: 60_000,
});

export interface ResolvedProviderOptions {
  /** Full document URLs, one per server. */
  readonly urls: readonly string[];
  readonly WebSocketPolyfill: WebSocketConstructorLike;
  readonly connect: boolean;
  readonly extensions: boolean;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly messageTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly longHiddenMs: number;
  readonly onlineTarget: EventTargetLike | null;
  readonly visibilityTarget: VisibilityTargetLike | null;
  readonly random: () => number;
  /** The token function, or null when the token (if any) is a fixed string in the URLs. */
  readonly tokenSource: TokenSource | null;
  readonly tokenRefreshMarginMs: number;
}

function requireDuration(name: string, value: number, allowZero: boolean): void {
  if (!Number.isSafeInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
}

function serverUrlsOf(options: QuireProviderOptions): readonly string[] {
  if (options.url !== undefined && options.urls !== undefined) throw new TypeError('give url or urls, not both');
  const urls = options.urls ?? (options.url === undefined ? [] : [options.url]);
  if (urls.length === 0) throw new TypeError('a server url is required (url or urls)');
  return urls;
}

/** Checks the options (programmer errors throw here, synchronously) and fills in defaults. */
export function resolveProviderOptions(options: QuireProviderOptions): ResolvedProviderOptions {
  if (typeof options.document !== 'string') throw new TypeError('document must be the document name');
  if (typeof options.doc?.on !== 'function') throw new TypeError('doc must be a Y.Doc');
  const { token } = options;
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError('token must be a string or a function returning one');
  }
  const params = { ...options.params, ...(typeof token === 'string' ? { token } : {}) };
  const urls = serverUrlsOf(options).map((server) => buildDocumentUrl(server, options.document, params));
  const WebSocketPolyfill =
    options.WebSocketPolyfill ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (typeof WebSocketPolyfill !== 'function') {
    throw new TypeError('no WebSocket implementation: pass WebSocketPolyfill (WebSocket from ws in Node)');
  }
  const defaults = PROVIDER_DEFAULTS;
  const resolved: ResolvedProviderOptions = {
    urls,
    WebSocketPolyfill,
    connect: options.connect ?? defaults.connect,
    extensions: options.extensions ?? defaults.extensions,
    minBackoffMs: options.minBackoffMs ?? defaults.minBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? defaults.maxBackoffMs,
    messageTimeoutMs: options.messageTimeoutMs ?? defaults.messageTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
    longHiddenMs: options.longHiddenMs ?? defaults.longHiddenMs,
    onlineTarget: options.onlineTarget === undefined ? defaultOnlineTarget() : options.onlineTarget,
    visibilityTarget: options.visibilityTarget === undefined ? defaultVisibilityTarget() : options.visibilityTarget,
    random: options.random ?? Math.random,
    tokenSource: typeof token === 'function' ? token : null,
    tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? defaults.tokenRefreshMarginMs,
  };
  requireDuration('minBackoffMs', resolved.minBackoffMs, true);
  requireDuration('maxBackoffMs', resolved.maxBackoffMs, true);
  requireDuration('messageTimeoutMs', resolved.messageTimeoutMs, false);
  requireDuration('heartbeatIntervalMs', resolved.heartbeatIntervalMs, true);
  requireDuration('longHiddenMs', resolved.longHiddenMs, true);
  requireDuration('tokenRefreshMarginMs', resolved.tokenRefreshMarginMs, true);
  if (resolved.maxBackoffMs < resolved.minBackoffMs) throw new RangeError('maxBackoffMs must be at least minBackoffMs');
  if (resolved.heartbeatIntervalMs >= resolved.messageTimeoutMs) {
    throw new RangeError('heartbeatIntervalMs must be below messageTimeoutMs');
  }
  return resolved;
}
