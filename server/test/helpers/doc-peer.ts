import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { decodeMessage, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '@quire/protocol';

/** The origin of what a peer applies from the server: such changes are never sent back. */
const FROM_SERVER = Symbol('from server');

export interface DocPeerOptions {
  /** The Yjs client ID of the peer's document (set before anything is written). */
  readonly clientId?: number;
  /** WebSocket subprotocols, e.g. [QUIRE_SUBPROTOCOL] for `saved` acknowledgements. */
  readonly protocols?: readonly string[];
  /**
   * Whether each local change is sent as it is made. When false (the
   * default), changes wait in an outbox until `flush()`, so a test decides
   * which peers' changes leave in the same tick (and so likely reach the
   * server in the same event-loop turn).
   */
  readonly autoSend?: boolean;
}

const open = new Set<DocPeer>();

/**
 * A Yjs document on a hand-made socket that speaks the sync protocol like a
 * stock client (answers the server's step 1, sends its own, applies what the
 * server sends), but sends its local changes one message per transaction,
 * when the test says so, and counts `saved` acknowledgements.
 */
export class DocPeer {
  readonly doc = new Y.Doc();
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  /** Resolves once the server's sync step 2 (the answer to this peer's step 1) was applied. */
  readonly synced: Promise<void>;
  readonly closed: Promise<void>;
  /** Update messages sent (step 2 included): what the server's `saved` count counts. */
  updatesSent = 0;
  /** The highest `saved` count received. */
  savedCount = 0;
  private readonly outbox: Uint8Array[] = [];
  private readonly autoSend: boolean;

  constructor(url: string, options: DocPeerOptions = {}) {
    if (options.clientId !== undefined) this.doc.clientID = options.clientId;
    this.autoSend = options.autoSend ?? false;
    this.socket = new WebSocket(url, [...(options.protocols ?? [])]);
    this.socket.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => undefined);
    let resolveSynced!: () => void;
    this.synced = new Promise((resolve) => {
      resolveSynced = resolve;
    });
    this.socket.on('open', () => this.sendUpdateMessage(encodeSyncStep1(Y.encodeStateVector(this.doc)), false));
    this.socket.on('message', (data: Buffer) => {
      const result = decodeMessage(new Uint8Array(data));
      if (!result.ok) return;
      const message = result.message;
      switch (message.type) {
        case 'sync-step-1':
          this.sendUpdateMessage(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)), true);
          return;
        case 'sync-step-2':
          Y.applyUpdate(this.doc, message.update, FROM_SERVER);
          resolveSynced();
          return;
        case 'sync-update':
          Y.applyUpdate(this.doc, message.update, FROM_SERVER);
          return;
        case 'saved':
          this.savedCount = Math.max(this.savedCount, message.count);
          return;
        default:
          return;
      }
    });
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === FROM_SERVER) return;
      this.outbox.push(update);
      if (this.autoSend) this.flush();
    });
    open.add(this);
  }

  /** Local changes not sent yet. */
  get unsent(): number {
    return this.outbox.length;
  }

  /** Sends every local change made since the last flush, one sync update message each. */
  flush(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    for (const update of this.outbox.splice(0)) this.sendUpdateMessage(encodeSyncUpdate(update), true);
  }

  /** Whether every update message sent so far was acknowledged as saved. */
  get allSaved(): boolean {
    return this.outbox.length === 0 && this.savedCount >= this.updatesSent;
  }

  close(): void {
    open.delete(this);
    this.socket.close();
  }

  /** Closes the socket and destroys the document. */
  destroy(): void {
    this.close();
    this.doc.destroy();
  }

  private sendUpdateMessage(bytes: Uint8Array, countsAsUpdate: boolean): void {
    if (countsAsUpdate) this.updatesSent += 1;
    this.socket.send(bytes);
  }
}

/** Opens a peer and waits until it has synced with the server. */
export async function connectDocPeer(url: string, options: DocPeerOptions = {}): Promise<DocPeer> {
  const peer = new DocPeer(url, options);
  await peer.opened;
  await peer.synced;
  return peer;
}

export function destroyDocPeers(): void {
  for (const peer of [...open]) peer.destroy();
}
