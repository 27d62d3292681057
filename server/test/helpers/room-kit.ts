import * as Y from 'yjs';
import { QUIRE_SUBPROTOCOL, decodeMessage, type Message } from '@quire/protocol';
import { createMemoryStore, type DocumentStore, type StoredDocument } from '@quire/storage';
import { Connection, type ConnectionAccess } from '../../src/room/connection.ts';
import type { SharedMessage } from '../../src/room/shared-message.ts';
import type { SocketLike } from '../../src/room/socket-like.ts';
import { wrapStore } from './store-wrapper.ts';

/**
 * A socket that records what the room sends it, decoded, for unit tests of
 * the room without a network.
 */
export class FakeSocket implements SocketLike {
  readonly protocol: string;
  readonly bufferedAmount = 0;
  readonly received: Message[] = [];
  closedWith: { readonly code: number; readonly reason: string } | undefined;

  constructor(extensions: boolean) {
    this.protocol = extensions ? QUIRE_SUBPROTOCOL : '';
  }

  send(data: Uint8Array): void {
    const result = decodeMessage(data);
    if (!result.ok) throw result.error;
    this.received.push(result.message);
  }

  sendShared(message: SharedMessage): void {
    this.send(message.bytes);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }

  /** The received messages of one type, in order. */
  of<T extends Message['type']>(type: T): Extract<Message, { type: T }>[] {
    return this.received.filter((message): message is Extract<Message, { type: T }> => message.type === type);
  }

  /** The counts of the `saved` acknowledgements received, in order. */
  get saved(): number[] {
    return this.of('saved').map((message) => message.count);
  }
}

const RATES = {
  messagesPerSecond: 1e9,
  messageBurst: 1e9,
  bytesPerSecond: 1e12,
  byteBurst: 1e12,
  maxIgnoredMessagesPerMinute: 1e9,
  awarenessIntervalMs: 0,
} as const;

let nextConnectionId = 1;

/** A Connection on a FakeSocket; quire.v1 (so it gets `saved`) unless told otherwise. */
export function fakeConnection(
  options: {
    readonly docName?: string;
    readonly extensions?: boolean;
    readonly access?: ConnectionAccess;
    readonly subject?: string;
    readonly maxQueuedMessages?: number;
  } = {},
): { connection: Connection; socket: FakeSocket } {
  const extensions = options.extensions ?? true;
  const socket = new FakeSocket(extensions);
  const connection = new Connection({
    id: nextConnectionId++,
    docName: options.docName ?? 'doc',
    socket,
    extensions,
    maxBufferedBytes: Infinity,
    onSlowConsumer: () => undefined,
    rates: RATES,
    ...(options.access === undefined ? {} : { access: options.access }),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.maxQueuedMessages === undefined ? {} : { maxQueuedMessages: options.maxQueuedMessages }),
  });
  return { connection, socket };
}

/** Resolves after the current event-loop turn and the room's end-of-turn work (setImmediate) ran. */
export function endOfTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Lets `turns` event-loop turns pass: enough for anything already settled to be reacted to. */
export async function turns(count = 5): Promise<void> {
  for (let turn = 0; turn < count; turn++) await endOfTurn();
}

/** A client replica whose edits return the update its provider would send. */
export class ClientReplica {
  readonly doc: Y.Doc;

  constructor(clientId?: number) {
    this.doc = new Y.Doc();
    if (clientId !== undefined) this.doc.clientID = clientId;
  }

  edit(change: (doc: Y.Doc) => void): Uint8Array {
    const before = Y.encodeStateVector(this.doc);
    this.doc.transact(() => change(this.doc));
    return Y.encodeStateAsUpdate(this.doc, before);
  }

  /** An edit of the text `t`: `insert` at its end. */
  type(insert: string): Uint8Array {
    return this.edit((doc) => doc.getText('t').insert(doc.getText('t').length, insert));
  }
}

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
  fail(error: Error): void;
}

function gate(): Gate {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  opened.catch(() => undefined);
  return { opened, open, fail };
}

/**
 * The in-memory store with a hand on the timing: while `holding`, each
 * storage batch's promise (appends issued in one tick share it, as with the
 * real store) settles only when the test releases it, in any order; loads
 * can be held the same way. What is appended is in the store at once; only
 * the confirmation waits.
 */
export class HeldStore {
  readonly inner = createMemoryStore();
  readonly store: DocumentStore;
  holdingAppends = false;
  private readonly batches: Gate[] = [];
  private lastInner: Promise<void> | undefined;
  private lastHeld: Promise<void> | undefined;
  private loadGate: Gate | undefined;

  constructor() {
    const { inner } = this;
    this.store = wrapStore(inner, {
      load: async (docName: string): Promise<StoredDocument | null> => {
        await this.loadGate?.opened;
        return inner.load(docName);
      },
      append: (docName, update) => this.append(docName, update),
    });
  }

  /** Storage batches appended while holding, released or not. */
  get heldBatches(): number {
    return this.batches.length;
  }

  /** Releases the held batch number `index` (0 = the first held), leaving the others held. */
  release(index = 0): void {
    this.batches[index]!.open();
  }

  /** Fails the held batch number `index`, as a storage write error would. */
  failBatch(index: number, error: Error): void {
    this.batches[index]!.fail(error);
  }

  releaseAll(): void {
    for (const batch of this.batches) batch.open();
  }

  /** Loads wait until `releaseLoads` (or fail with `failLoads`). */
  holdLoads(): void {
    this.loadGate = gate();
  }

  releaseLoads(): void {
    this.loadGate?.open();
  }

  failLoads(error: Error): void {
    this.loadGate?.fail(error);
  }

  private append(docName: string, update: Uint8Array): Promise<void> {
    const written = this.inner.append(docName, update);
    if (written === this.lastInner && this.lastHeld !== undefined) return this.lastHeld;
    this.lastInner = written;
    if (!this.holdingAppends) {
      this.lastHeld = written;
      return written;
    }
    const batch = gate();
    this.batches.push(batch);
    const held = Promise.all([written, batch.opened]).then(() => undefined);
    this.lastHeld = held;
    return held;
  }
}
