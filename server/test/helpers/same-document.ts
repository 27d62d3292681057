import * as Y from 'yjs';

/**
 * Whether two documents hold the same CRDT state: the same structs (state
 * vectors) and the same deletions (delete sets), nothing pending in either.
 * Equal state vectors alone miss a deletion applied to the wrong items.
 */
export function sameDocument(a: Y.Doc, b: Y.Doc): boolean {
  if (hasPending(a) || hasPending(b)) return false;
  return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b));
}

export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

/** Why two documents differ, for a failing assertion's message; undefined when they are the same. */
export function documentDifference(a: Y.Doc, b: Y.Doc): string | undefined {
  if (hasPending(a)) return 'the first document holds pending content';
  if (hasPending(b)) return 'the second document holds pending content';
  const svA = Y.decodeStateVector(Y.encodeStateVector(a));
  const svB = Y.decodeStateVector(Y.encodeStateVector(b));
  for (const client of new Set([...svA.keys(), ...svB.keys()])) {
    if (svA.get(client) !== svB.get(client)) return `client ${client}: clock ${svA.get(client)} vs ${svB.get(client)}`;
  }
  if (!Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b))) return 'same structs, different deletions';
  return undefined;
}
