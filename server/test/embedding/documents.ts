import * as Y from 'yjs';
import type { DocumentChangeAuthor, SyncHandler, SyncServer } from '@quire/server';

function nameOf(author: DocumentChangeAuthor): string {
  if (author.server) return 'the server';
  return author.user ?? `connection ${String(author.connectionId)}`;
}

/** What an app hears from the server: here, written to a log. */
export function followDocuments(quire: SyncServer | SyncHandler, log: (line: string) => void = console.log): void {
  quire.on('connectionOpened', ({ documentName, connectionId, user }) => {
    log(`${user ?? 'someone'} opened ${documentName} (connection ${connectionId})`);
  });
  // Debounced: once a document has gone quiet for documentChangedDebounceMs.
  quire.on('documentChanged', ({ documentName, changedBy }) => {
    log(`${documentName} changed by ${changedBy.map(nameOf).join(', ')}`);
  });
  // Every change reported so far is on disk: a good time to index or export it.
  quire.on('documentStored', ({ documentName }) => {
    log(`${documentName} stored`);
  });
}

/** A change made by the server: applied, sent to every client, and stored before the promise resolves. */
export async function markReviewed(quire: SyncServer | SyncHandler, documentName: string, reviewer: string): Promise<void> {
  await quire.documents.change(documentName, (doc) => {
    doc.getMap('meta').set('reviewedBy', reviewer);
  });
}

/** A document made elsewhere (an import), merged in as a Yjs update. */
export async function importText(quire: SyncServer | SyncHandler, documentName: string, text: string): Promise<void> {
  const imported = new Y.Doc();
  imported.getText('text').insert(0, text);
  try {
    await quire.documents.applyUpdate(documentName, Y.encodeStateAsUpdate(imported));
  } finally {
    imported.destroy();
  }
}
