import WebSocket from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WireAdapter } from './wire-adapter.ts';

const MESSAGE_SYNC = 0;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;
const MESSAGE_QUIRE_SAVED = 100;

/** Marks document changes that came from the server, so they are not sent back. */
export const REMOTE_ORIGIN = Symbol('remote');

export interface BenchClientOptions {
  readonly baseUrl: string;
  readonly docName: string;
  readonly wire: WireAdapter;
  /**
   * The replica this client keeps in sync. Null: received updates are only
   * counted, never applied (joiners of a large document in the join storm).
   */
  readonly doc: Y.Doc | null;
  /**
   * For servers that keep no state (the relay): the state vector the others
   * already hold; what this replica has beyond it is pushed on open.
   */
  readonly pushFrom?: Uint8Array;
  /** After an update or step 2 was applied (or, without a doc, received). */
  readonly onRemoteUpdate?: (update: Uint8Array, isStep2: boolean) => void;
  /** A Quire saved acknowledgement: the first `count` updates sent are stored. */
  readonly onSaved?: (count: number) => void;
}

function encodeSync(subType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, subType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

// What a client without a replica answers to a step 1: it has nothing.
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());

/**
 * One simulated editor: a WebSocket speaking the y-websocket sync protocol
 * (through a wire adapter) for one document. Local changes to `doc` are sent
 * as they happen while the socket is open; the server's are applied to it.
 */
export class BenchClient {
  bytesIn = 0;
  bytesOut = 0;
  messagesIn = 0;
  /** Sync messages carrying updates (step 2 and update) sent: what Quire's acknowledgements count. */
  updatesSent = 0;
  /** Set once the first step 2 (the server's or, on the relay, a peer's) arrived. */
  syncedAt: number | undefined;
  private readonly ws: WebSocket;
  private readonly options: BenchClientOptions;
  readonly opened: Promise<void>;
  readonly synced: Promise<void>;
  readonly closed: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (error: Error) => void;

  constructor(options: BenchClientOptions) {
    this.options = options;
    const { wire, baseUrl, docName } = options;
    this.ws = new WebSocket(wire.url(baseUrl, docName), [...wire.subprotocols], { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.synced = new Promise((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.handleOpen();
        resolve();
      });
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code: number) => {
        // Settles a join that never completed; a no-op once synced.
        this.rejectSynced(new Error(`socket closed with ${code} before the sync step 2`));
        resolve();
      }),
    );
    // Whoever waits on them sees the failure; no waiter must not crash the run.
    this.opened.catch(() => undefined);
    this.synced.catch(() => undefined);
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data: Buffer) => this.handleFrame(data));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  private handleOpen(): void {
    const { wire, docName, doc } = this.options;
    for (const message of wire.opening(docName)) this.sendRaw(message);
    const stateVector = doc === null ? Y.encodeStateVector(new Y.Doc()) : Y.encodeStateVector(doc);
    this.send(encodeSync(SYNC_STEP_1, stateVector));
    if (doc !== null) {
      if (wire.stateless && this.options.pushFrom !== undefined) {
        this.sendUpdate(Y.encodeStateAsUpdate(doc, this.options.pushFrom));
      }
      doc.on('update', this.handleLocalUpdate);
    }
  }

  private readonly handleLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== REMOTE_ORIGIN && this.isOpen) this.sendUpdate(update);
  };

  sendUpdate(update: Uint8Array): void {
    this.updatesSent += 1;
    this.send(encodeSync(SYNC_UPDATE, update));
  }

  private send(message: Uint8Array): void {
    this.sendRaw(this.options.wire.wrap(this.options.docName, message));
  }

  private sendRaw(frame: Uint8Array): void {
    this.bytesOut += frame.byteLength;
    this.ws.send(frame);
  }

  private handleFrame(frame: Buffer): void {
    this.bytesIn += frame.byteLength;
    this.messagesIn += 1;
    const message = this.options.wire.unwrap(frame);
    if (message === null) return;
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_QUIRE_SAVED) {
      this.options.onSaved?.(decoding.readVarUint(decoder));
      return;
    }
    if (type !== MESSAGE_SYNC) return;
    const subType = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    const { doc } = this.options;
    switch (subType) {
      case SYNC_STEP_1: {
        const diff = doc === null ? EMPTY_UPDATE : Y.encodeStateAsUpdate(doc, payload);
        // On a relay every answer reaches every peer: answering a newcomer with
        // nothing would make each join cost a message per pair of clients.
        if (this.options.wire.stateless && diff.byteLength <= EMPTY_UPDATE.byteLength) return;
        this.updatesSent += 1;
        this.send(encodeSync(SYNC_STEP_2, diff));
        return;
      }
      case SYNC_STEP_2:
      case SYNC_UPDATE: {
        if (doc !== null) Y.applyUpdate(doc, payload, REMOTE_ORIGIN);
        this.options.onRemoteUpdate?.(payload, subType === SYNC_STEP_2);
        if (subType === SYNC_STEP_2 && this.syncedAt === undefined) {
          this.syncedAt = performance.now();
          this.resolveSynced();
        }
        return;
      }
    }
  }

  /** Closes the socket and stops following the replica; resolves once closed. */
  close(): Promise<void> {
    this.options.doc?.off('update', this.handleLocalUpdate);
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000);
    return this.closed;
  }
}
