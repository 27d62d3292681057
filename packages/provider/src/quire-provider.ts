import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_NORMAL,
  CLOSE_UNAUTHORIZED,
  QUIRE_SUBPROTOCOL,
  READ_ONLY_REASON,
  decodeMessage,
  encodeAuthToken,
  encodePing,
  encodeStateless,
  encodeSyncStep1,
  encodeSyncUpdate,
} from '@quire/protocol';
import {
  encodeAnnouncement,
  encodeDeparture,
  encodeOutgoingChanges,
  forgetRemoteStates,
  type AwarenessChanges,
} from './awareness-messages.ts';
import { decideAfterClose, type CloseDecision } from './close-decision.ts';
import { withToken } from './document-url.ts';
import { handleServerMessage, type ServerMessageContext } from './handle-server-message.ts';
import { Heartbeat } from './heartbeat.ts';
import type { CloseCause, ServerErrorInfo } from './provider-events.ts';
import { resolveProviderOptions, type QuireProviderOptions, type ResolvedProviderOptions } from './provider-options.ts';
import { ProviderSocket } from './provider-socket.ts';
import { ProviderState } from './provider-state.ts';
import { ReconnectScheduler, scheduleAfterClose } from './reconnect-scheduler.ts';
import { TokenRefresh } from './token-refresh.ts';
import { UnsavedChanges } from './unsaved-changes.ts';
import { watchConnectivity } from './watch-connectivity.ts';

const RECONNECT: CloseDecision = { kind: 'reconnect' };
const STOP: CloseDecision = { kind: 'stop' };

/**
 * Keeps a Y.Doc and its awareness in sync with a Quire (or any y-websocket)
 * server: reconnects with jittered backoff across one or more servers,
 * resumes by state vectors, and counts local changes the server has not yet
 * confirmed as stored.
 */
export class QuireProvider extends ProviderState {
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  readonly documentName: string;
  /** One document URL per server, in failover order. */
  readonly urls: readonly string[];
  private readonly settings: ResolvedProviderOptions;
  private readonly ownsAwareness: boolean;
  private readonly unsaved = new UnsavedChanges();
  private readonly scheduler: ReconnectScheduler;
  private readonly heartbeat: Heartbeat;
  private readonly stopWatching: () => void;
  private readonly messageContext: ServerMessageContext;
  private socket: ProviderSocket | null = null;
  /** Whether this connection answered the server's step 1; updates wait for it (see handleDocumentUpdate). */
  private answeredServer = false;
  private shouldConnect = false;
  private destroyed = false;
  private badMessageStreak = 0;
  /** Null unless `token` is a function. */
  private readonly tokenRefresh: TokenRefresh | null;
  /** The token the current socket was opened with. */
  private socketToken: string | null = null;
  /** Bumped to abandon a token fetch in flight. */
  private fetchAttempt = 0;
  private fetchingToken = false;
  /** 4401 closes answered by retrying with a fresh token since the last sync. */
  private unauthorizedRetries = 0;

  constructor(options: QuireProviderOptions) {
    super();
    const settings = resolveProviderOptions(options);
    this.settings = settings;
    this.doc = options.doc;
    this.documentName = options.document;
    this.urls = settings.urls;
    this.ownsAwareness = options.awareness === undefined;
    this.awareness = options.awareness ?? new Awareness(this.doc);
    this.scheduler = new ReconnectScheduler({
      urls: settings.urls,
      minDelayMs: settings.minBackoffMs,
      maxDelayMs: settings.maxBackoffMs,
      random: settings.random,
      attempt: () => {
        if (this.shouldConnect && this.socket === null && !this.fetchingToken) this.openSocket();
      },
    });
    const source = settings.tokenSource;
    this.tokenRefresh =
      source === null
        ? null
        : new TokenRefresh({
            source,
            marginMs: settings.tokenRefreshMarginMs,
            now: () => Date.now(),
            send: (token) => {
              if (this.socket === null || !this.socket.extensions || !this.send(encodeAuthToken(token))) return false;
              this.socketToken = token;
              return true;
            },
            onError: (error) => this.emit('connection-error', [{ url: this.scheduler.url, error }]),
          });
    this.heartbeat = new Heartbeat({
      intervalMs: settings.heartbeatIntervalMs,
      timeoutMs: settings.messageTimeoutMs,
      now: () => Date.now(),
      sendPing: (id) => this.send(encodePing(id)),
      onDead: () => this.closeLocally('timeout', RECONNECT),
    });
    this.messageContext = this.createMessageContext();
    // Content the doc already holds may be missing on the server; it counts
    // as one unsaved change until a step 2 that carries it is acknowledged.
    if (this.doc.store.clients.size > 0) this.unsaved.addLocalUpdate();
    this.doc.on('update', this.handleDocumentUpdate);
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.stopWatching = watchConnectivity({
      onlineTarget: settings.onlineTarget,
      visibilityTarget: settings.visibilityTarget,
      longHiddenMs: settings.longHiddenMs,
      now: () => Date.now(),
      onOnline: () => this.scheduler.hurry(),
      onVisibleAfterLongHidden: () => this.wake(),
    });
    if (settings.connect) this.connect();
  }

  /** Local updates not yet acknowledged as durably stored. Only `saved` acknowledgements bring it down. */
  get unsavedChanges(): number {
    return this.unsaved.count;
  }

  /** The document URL in use, or to be tried next. */
  get url(): string {
    return this.scheduler.url;
  }

  /** Starts connecting, at once, skipping any pending backoff. */
  connect(): void {
    if (this.destroyed) throw new TypeError('connect() after destroy()');
    this.shouldConnect = true;
    if (this.socket !== null || this.fetchingToken) return;
    this.scheduler.cancel();
    this.openSocket();
  }

  /**
   * With a token function on a quire.v1 connection: fetches a fresh token
   * and sends it to the server now (for example after the user's rights
   * changed). Resolves with whether it went out. Refreshes before `exp`
   * happen by themselves.
   */
  async refreshToken(): Promise<boolean> {
    if (this.tokenRefresh === null || this.socket === null || !this.socket.extensions || this.status !== 'connected') {
      return false;
    }
    return this.tokenRefresh.refreshNow();
  }

  /** Closes the connection and stops retrying until `connect()`. Unsaved changes stay counted. */
  disconnect(): void {
    this.shouldConnect = false;
    this.scheduler.cancel();
    this.fetchAttempt += 1;
    this.fetchingToken = false;
    if (this.socket === null) {
      this.setStatus('disconnected');
      return;
    }
    this.send(encodeDeparture(this.awareness));
    this.closeLocally('disconnect', STOP);
  }

  /** Disconnects and releases every listener and timer; an awareness the provider created is destroyed too. */
  override destroy(): void {
    if (this.destroyed) return;
    // Marked first, so a listener cannot connect again while the last events go out.
    this.destroyed = true;
    try {
      this.disconnect();
    } finally {
      this.tokenRefresh?.stop();
      this.stopWatching();
      this.doc.off('update', this.handleDocumentUpdate);
      this.awareness.off('update', this.handleAwarenessUpdate);
      if (this.ownsAwareness) this.awareness.destroy();
      super.destroy();
    }
  }

  /** Sends an app-defined payload to the document's other quire.v1 connections; false when it cannot go out now. */
  sendStateless(payload: string): boolean {
    if (this.socket === null || !this.socket.extensions || this.status !== 'connected') return false;
    return this.send(encodeStateless(payload));
  }

  private send(message: Uint8Array): boolean {
    return this.socket?.send(message) ?? false;
  }

  /** What handling a server message may touch: a narrow view instead of public internals. */
  private createMessageContext(): ServerMessageContext {
    const socketOf = (): ProviderSocket | null => this.socket;
    return {
      doc: this.doc,
      awareness: this.awareness,
      origin: this,
      get extensions() {
        return socketOf()?.extensions ?? false;
      },
      send: (message) => this.send(message),
      step2Sent: () => {
        this.answeredServer = true;
        this.unsaved.step2Sent();
      },
      synced: () => {
        // A connection that synced did useful work: the next failure starts from the smallest window.
        this.scheduler.succeeded();
        this.unauthorizedRetries = 0;
        this.setSynced(true);
      },
      extensionsConfirmed: () => this.setSavedSupported(true),
      acknowledged: (count) => {
        this.badMessageStreak = 0;
        if (this.unsaved.acknowledge(count)) this.emit('unsaved-changes', [this.unsaved.count]);
      },
      stateless: (payload) => this.emit('stateless', [payload]),
      serverError: (error) => {
        // A refused write on a read-only connection is reported, but no close
        // follows it, so it must not be taken as the reason of a later close.
        if (this.socket !== null && error.reason !== READ_ONLY_REASON) this.socket.serverError = error;
        this.setLastServerError(error);
      },
      permissionDenied: (reason) => this.closeLocally('permission-denied', { kind: 'permission-denied', reason }),
    };
  }

  private openSocket(): void {
    const refresh = this.tokenRefresh;
    if (refresh === null) {
      this.openSocketAt(this.scheduler.url, null);
      return;
    }
    // A fresh token for every attempt: the last one may have expired while offline.
    const attempt = ++this.fetchAttempt;
    const url = this.scheduler.url;
    this.fetchingToken = true;
    this.setStatus('connecting');
    refresh.fetch().then(
      (token) => {
        if (attempt !== this.fetchAttempt) return;
        this.fetchingToken = false;
        if (this.shouldConnect && this.socket === null) this.openSocketAt(withToken(url, token), token);
      },
      (error: unknown) => {
        if (attempt !== this.fetchAttempt) return;
        this.fetchingToken = false;
        if (!this.shouldConnect) return;
        this.emit('connection-error', [{ url, error }]);
        this.settle(url, 'remote', 1006, '', null, RECONNECT);
      },
    );
  }

  private openSocketAt(url: string, token: string | null): void {
    this.socketToken = token;
    const protocols = this.settings.extensions ? [QUIRE_SUBPROTOCOL] : [];
    let socket: ProviderSocket;
    try {
      socket = ProviderSocket.open(this.settings.WebSocketPolyfill, url, protocols, {
        onOpen: () => this.handleOpen(),
        onMessage: (bytes) => this.handleMessage(bytes),
        onError: (error) => this.emit('connection-error', [{ url, error }]),
        onClose: (code, reason) => this.handleRemoteClose(code, reason),
      });
    } catch (error) {
      this.emit('connection-error', [{ url, error }]);
      this.settle(url, 'remote', 1006, '', null, RECONNECT);
      return;
    }
    this.socket = socket;
    // An opening handshake can hang too (a stopped server's kernel still accepts
    // the TCP connection); the same window of silence abandons it.
    this.heartbeat.start(false);
    this.setStatus('connecting');
  }

  private handleOpen(): void {
    const extensions = this.socket?.extensions ?? false;
    this.answeredServer = false;
    this.unsaved.startConnection(extensions);
    this.setSavedSupported(false);
    this.heartbeat.start(extensions);
    this.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    const announcement = encodeAnnouncement(this.awareness);
    if (announcement !== null) this.send(announcement);
    if (extensions && this.socketToken !== null) this.tokenRefresh?.start(this.socketToken);
    this.setStatus('connected');
  }

  private handleMessage(bytes: Uint8Array): void {
    const url = this.scheduler.url;
    this.heartbeat.received();
    try {
      const result = decodeMessage(bytes);
      if (!result.ok) throw result.error;
      handleServerMessage(this.messageContext, result.message);
    } catch (error) {
      if (this.socket === null) return;
      this.emit('connection-error', [{ url, error }]);
      this.closeLocally('invalid-message', RECONNECT);
    }
  }

  private handleRemoteClose(code: number, reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.releaseSocket();
    const { serverError } = socket;
    this.badMessageStreak = (serverError?.code ?? code) === CLOSE_BAD_MESSAGE.code ? this.badMessageStreak + 1 : 0;
    let decision = decideAfterClose({ code, reason, serverError, badMessageStreak: this.badMessageStreak });
    // With a token function, an expired or revoked token is worth one retry with a fresh one.
    const effectiveCode = (code === 1005 || code === 1006) && serverError !== null ? serverError.code : code;
    if (
      decision.kind === 'permission-denied' &&
      effectiveCode === CLOSE_UNAUTHORIZED.code &&
      this.tokenRefresh !== null &&
      this.unauthorizedRetries < 1
    ) {
      this.unauthorizedRetries += 1;
      decision = RECONNECT;
    }
    this.settle(socket.url, 'remote', code, reason, serverError, decision);
  }

  private readonly handleDocumentUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    const id = this.unsaved.addLocalUpdate();
    // Until the step 2 answering the server's step 1 went out, an update may build on
    // content the server lacks (edits made offline, or seen on another server); Yjs would
    // hold it back as pending. That step 2 carries it anyway, so nothing is sent before.
    if (this.status === 'connected' && this.answeredServer && this.send(encodeSyncUpdate(update))) {
      this.unsaved.updateSent(id);
    }
    this.emit('unsaved-changes', [this.unsaved.count]);
  };

  private readonly handleAwarenessUpdate = (changes: AwarenessChanges, origin: unknown): void => {
    if (this.status !== 'connected') return;
    const message = encodeOutgoingChanges(this.awareness, changes, origin, this);
    if (message !== null) this.send(message);
  };

  /** Ends the current connection by this side's decision. */
  private closeLocally(cause: Exclude<CloseCause, 'remote'>, decision: CloseDecision): void {
    const socket = this.socket;
    if (socket === null) return;
    this.releaseSocket();
    socket.close(cause === 'timeout' ? 'terminate' : 'graceful');
    this.settle(socket.url, cause, CLOSE_NORMAL.code, '', socket.serverError, decision);
  }

  /** Forgets the current socket; no handler of it runs again. */
  private releaseSocket(): void {
    this.socket?.release();
    this.socket = null;
    this.socketToken = null;
    this.tokenRefresh?.stop();
    this.heartbeat.stop();
    forgetRemoteStates(this.awareness, this);
  }

  /** Acts on a decision about an ended connection: state first, events last, so listeners may call connect(). */
  private settle(
    url: string,
    cause: CloseCause,
    code: number,
    reason: string,
    serverError: ServerErrorInfo | null,
    decision: CloseDecision,
  ): void {
    const reconnectDelayMs = scheduleAfterClose(this.scheduler, decision, cause);
    if (reconnectDelayMs === null) this.shouldConnect = false;
    this.setSynced(false);
    this.setStatus(reconnectDelayMs === null ? 'disconnected' : 'connecting');
    this.emit('connection-close', [{ url, cause, code, reason, serverError, reconnectDelayMs }]);
    if (decision.kind === 'permission-denied') this.emit('permission-denied', [{ url, reason: decision.reason }]);
  }

  private wake(): void {
    if (!this.shouldConnect) return;
    if (this.scheduler.pending) this.scheduler.hurry();
    else if (this.status === 'connected') this.closeLocally('wake', RECONNECT);
  }
}
