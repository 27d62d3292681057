import { readFileSync } from 'node:fs';
import * as Y from 'yjs';

/**
 * A real log an older server wrote (packages/storage/fixtures): 546 entries
 * of one document. Seven are joins out of Yjs's form: client sections in
 * arrival order, or delete ranges unsorted, or both. Integrated one by one they hold 2,999 keys of the
 * map "edits" and 403 characters of the text "text"; merged as stored with
 * `Y.mergeUpdates`, 1 key and an empty text.
 */
export function readOutOfOrderLog(): Uint8Array[] {
  const file = new URL('../fixtures/out-of-order-log.json', import.meta.url);
  const { entries } = JSON.parse(readFileSync(file, 'utf8')) as { entries: string[] };
  return entries.map((entry) => new Uint8Array(Buffer.from(entry, 'base64')));
}

/** The document a log makes when its entries are integrated one by one. */
export function integrateOneByOne(entries: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const entry of entries) Y.applyUpdate(doc, entry);
  return doc;
}
