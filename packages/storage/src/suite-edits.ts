import * as Y from 'yjs';

/**
 * Yjs edits for the compliance suite. Content is read back through a Y.Doc, so
 * the suite checks meaning, not bytes (backends may merge differently).
 */
export interface SuiteEditor {
  readonly doc: Y.Doc;
  /** Every update the document produced, in order. */
  readonly updates: Uint8Array[];
  /** Inserts `text` at the end of the shared text; returns the update. */
  type(text: string): Uint8Array;
  /** Sets `key` in the shared map; returns the update. */
  set(key: string, value: number): Uint8Array;
  /** Deletes the whole shared text; returns the update. */
  clear(): Uint8Array;
}

export function createSuiteEditor(): SuiteEditor {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = doc.getText('text');
  const map = doc.getMap<number>('map');
  const last = (): Uint8Array => {
    const update = updates.at(-1);
    if (update === undefined) throw new Error('the edit produced no update');
    return update;
  };
  return {
    doc,
    updates,
    type(value) {
      text.insert(text.length, value);
      return last();
    },
    set(key, value) {
      map.set(key, value);
      return last();
    },
    clear() {
      text.delete(0, text.length);
      return last();
    },
  };
}

export interface SuiteContent {
  readonly text: string;
  readonly map: Record<string, number>;
  readonly stateVector: Uint8Array;
}

/** What a stored update means, as plain values. */
export function readContent(update: Uint8Array): SuiteContent {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
    return {
      text: doc.getText('text').toString(),
      map: doc.getMap<number>('map').toJSON(),
      stateVector: Y.encodeStateVector(doc),
    };
  } finally {
    doc.destroy();
  }
}

export function contentOf(editor: SuiteEditor): SuiteContent {
  return readContent(Y.encodeStateAsUpdate(editor.doc));
}
