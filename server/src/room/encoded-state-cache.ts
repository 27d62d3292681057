import * as Y from 'yjs';
import { encodeSyncStep2 } from '@quire/protocol';

/**
 * The sync step 2 a client with an empty state vector gets (the whole
 * document), encoded once per version of the document rather than once per
 * joiner: a crowd opening a large document costs one encoding, not one each.
 */
export class EncodedStateCache {
  private message: Uint8Array | undefined;

  constructor(private readonly doc: Y.Doc) {}

  /** The whole document as a sync step 2 message. */
  fullState(): Uint8Array {
    this.message ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc));
    return this.message;
  }

  /** Called on every change to the document. */
  invalidate(): void {
    this.message = undefined;
  }
}
