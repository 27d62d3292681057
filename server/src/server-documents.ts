import type * as Y from 'yjs';
import { validateDocumentName, type DocumentNameProblem } from '@quire/protocol';

/**
 * Changing documents from the server side, as a connected client would:
 * each change reaches every connected client and is stored.
 */
export interface ServerDocuments {
  /**
   * Runs `change` on the document in one Yjs transaction, loading the
   * document first if it is not open. Resolves once the change has been
   * sent to the connected clients and storage confirmed it. `change` must be
   * synchronous: what it does after returning is not part of the change.
   */
  change(documentName: string, change: (doc: Y.Doc) => void): Promise<void>;
  /** Applies a Yjs update (V1 encoding) to the document; resolves as `change` does. */
  applyUpdate(documentName: string, update: Uint8Array): Promise<void>;
}

/** What the documents API delegates to: the room registry. */
export interface DocumentChangeTarget {
  change(docName: string, change: (doc: Y.Doc) => void): Promise<void>;
  applyUpdate(docName: string, update: Uint8Array): Promise<void>;
}

/** A document name that breaks @quire/protocol's document-name rules (docs/protocol.md). */
export class InvalidDocumentNameError extends TypeError {
  override readonly name = 'InvalidDocumentNameError';
  readonly code = 'ERR_INVALID_DOCUMENT_NAME';
  readonly problem: DocumentNameProblem;

  constructor(problem: DocumentNameProblem) {
    super(`invalid document name: ${problem}`);
    this.problem = problem;
  }
}

/** The server is closing or closed; no change is accepted any more. */
export class ServerClosedError extends Error {
  override readonly name = 'ServerClosedError';
  readonly code = 'ERR_SERVER_CLOSED';

  constructor() {
    super('the server is closed');
  }
}

/**
 * `server.documents`: checks what an app passes (the app is not trusted to
 * pass a valid name any more than a client is) and hands it to the registry.
 */
export function createServerDocuments(target: DocumentChangeTarget, isOpen: () => boolean): ServerDocuments {
  const check = (documentName: unknown): string => {
    if (typeof documentName !== 'string') throw new TypeError('documentName must be a string');
    const result = validateDocumentName(documentName);
    if (!result.ok) throw new InvalidDocumentNameError(result.problem);
    if (!isOpen()) throw new ServerClosedError();
    return result.docName;
  };
  return {
    async change(documentName, change) {
      const docName = check(documentName);
      if (typeof change !== 'function') throw new TypeError('change must be a function');
      await target.change(docName, change);
    },
    async applyUpdate(documentName, update) {
      const docName = check(documentName);
      if (!(update instanceof Uint8Array)) throw new TypeError('update must be a Uint8Array');
      await target.applyUpdate(docName, update);
    },
  };
}
