import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { decodeEntry, entryFields } from './stream-entry.ts';
import { streamIdTime, createStreamKeys } from './stream-keys.ts';

function anUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'hello');
  return Y.encodeStateAsUpdate(doc);
}

const asBuffers = (fields: (string | Buffer)[]): Buffer[] => fields.map((field) => (Buffer.isBuffer(field) ? field : Buffer.from(field)));

describe('stream entries', () => {
  it('read back what this node writes', () => {
    const update = anUpdate();
    const decoded = decodeEntry('1700000000000-0', asBuffers(entryFields('node-a', 42, update)));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.entry).toMatchObject({ id: '1700000000000-0', nodeId: 'node-a', seq: 42 });
    expect(Buffer.from(decoded.entry.update).equals(Buffer.from(update))).toBe(true);
  });

  it.each([
    ['a missing field', ['node', 'a', 'seq', '1']],
    ['an odd field list', ['node', 'a', 'seq']],
    ['a repeated field', ['node', 'a', 'node', 'b', 'seq', '1', 'update', 'x']],
    ['an unknown field', ['node', 'a', 'seq', '1', 'update', 'x', 'extra', 'y']],
    ['a sequence number of zero', ['node', 'a', 'seq', '0', 'update', 'x']],
    ['a sequence number that is no integer', ['node', 'a', 'seq', '1.5', 'update', 'x']],
    ['a sequence number past 2^53', ['node', 'a', 'seq', '9999999999999999', 'update', 'x']],
    ['bytes that are no update', ['node', 'a', 'seq', '1', 'update', Buffer.from([255, 255, 255, 255, 255])]],
  ] as const)('refuse %s, never throwing', (_case, fields) => {
    const decoded = decodeEntry('1-0', asBuffers([...fields]));
    expect(decoded.ok).toBe(false);
  });

  it('keep each document in its own stream, tagged by its name', () => {
    const keys = createStreamKeys('quire:');
    expect(keys.updates('notes/today')).toBe('quire:{notes/today}:updates');
    expect(keys.quarantine).toBe('quire:quarantine');
    expect(streamIdTime('1700000000123-7')).toBe(1700000000123);
  });
});
