import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { inspectUpdate, type UpdateInspection, type UpdateInspectionResult } from './update-inspector.ts';
import { DEFAULT_UPDATE_LIMITS, resolveUpdateLimits } from './update-limits.ts';

/** Real updates produced by Yjs, covering every struct and content kind. */
function realUpdates(): Map<string, Uint8Array> {
  const updates = new Map<string, Uint8Array>();
  const capture = (name: string, doc: Y.Doc, edit: () => void): void => {
    const parts: Uint8Array[] = [];
    const listener = (update: Uint8Array): void => {
      parts.push(update);
    };
    doc.on('update', listener);
    edit();
    doc.off('update', listener);
    parts.forEach((part, index) => updates.set(`${name} #${index}`, part));
    updates.set(`${name} (state)`, Y.encodeStateAsUpdate(doc));
  };

  const textDoc = new Y.Doc();
  capture('text with formatting', textDoc, () => {
    const text = textDoc.getText('text');
    text.insert(0, 'Hello world, 😀 ünïcödé \uFEFF 中文');
    text.format(0, 5, { bold: true, link: { href: 'https://example.org' } });
    text.insert(5, ' there', { italic: true });
    text.insertEmbed(3, { image: 'cat.png', size: [1, 2] });
    text.format(2, 4, { bold: null });
    text.delete(1, 3);
  });

  const mapDoc = new Y.Doc();
  capture('map with every value kind', mapDoc, () => {
    const map = mapDoc.getMap('map');
    mapDoc.transact(() => {
      map.set('string', 'value');
      map.set('integer', 42);
      map.set('negative', -123456789);
      map.set('float', 3.25);
      map.set('double', Math.PI);
      map.set('bigint', 2n ** 60n);
      map.set('true', true);
      map.set('false', false);
      map.set('null', null);
      map.set('undefined', undefined);
      map.set('object', { nested: { deeper: [1, 'two', { three: null }] }, empty: {} });
      map.set('array', [1, [2, [3, []]], 'x']);
      map.set('bytes', new Uint8Array([0, 1, 2, 255]));
      map.set('emptyBytes', new Uint8Array(0));
      map.set('text', new Y.Text('inner'));
      map.set('innerArray', Y.Array.from([1, 2, 3]));
      map.set('innerMap', new Y.Map([['k', 'v']]));
      map.set('subdoc', new Y.Doc({ guid: 'sub-guid', meta: { title: 'child' } }));
    });
    map.set('string', 'overwritten');
    map.delete('integer');
  });

  const arrayDoc = new Y.Doc();
  capture('array', arrayDoc, () => {
    const array = arrayDoc.getArray<unknown>('array');
    array.push([1, 2, 3, 'four', { five: 5 }]);
    array.insert(2, ['inserted']);
    array.delete(0, 2);
    array.push([new Uint8Array([9])]);
  });

  const xmlDoc = new Y.Doc();
  capture('xml', xmlDoc, () => {
    const fragment = xmlDoc.getXmlFragment('prosemirror');
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.setAttribute('align', 'center');
    const text = new Y.XmlText('some text');
    text.format(0, 4, { strong: {} });
    paragraph.insert(0, [text]);
    const heading = new Y.XmlElement('heading');
    heading.setAttribute('level', '2');
    fragment.insert(0, [paragraph, heading]);
    // XmlHook is readable but absent from insert()'s declared element types.
    fragment.insert(2, [new Y.XmlHook('custom-hook') as unknown as Y.XmlElement]);
    text.insert(4, ' more');
    fragment.delete(1, 1);
  });

  const subdocParent = new Y.Doc();
  capture('subdocuments', subdocParent, () => {
    const folder = subdocParent.getMap<Y.Doc>('folder');
    folder.set('a', new Y.Doc({ guid: 'doc-a' }));
    folder.set('b', new Y.Doc({ guid: 'doc-b', shouldLoad: false, meta: 'meta' }));
    folder.delete('a');
  });

  // GC: deleting a nested type garbage-collects its content into GC structs.
  const gcDoc = new Y.Doc({ gc: true });
  const gcArray = gcDoc.getArray<Y.Map<unknown>>('list');
  const nested = new Y.Map<unknown>();
  gcArray.push([nested]);
  nested.set('a', 'x'.repeat(50));
  nested.set('b', new Y.Text('to be collected'));
  gcArray.push([new Y.Map()]);
  capture('after GC', gcDoc, () => {
    gcArray.delete(0, 1);
    gcDoc.getText('t').insert(0, 'abcdef');
    gcDoc.getText('t').delete(1, 4);
  });

  // Two clients editing concurrently, then merged (including a gap → Skip).
  const left = new Y.Doc();
  const right = new Y.Doc();
  const leftParts: Uint8Array[] = [];
  left.on('update', (update: Uint8Array) => leftParts.push(update));
  left.getText('t').insert(0, 'one');
  left.getText('t').insert(3, 'two');
  left.getText('t').insert(6, 'three');
  Y.applyUpdate(right, Y.encodeStateAsUpdate(left));
  right.getText('t').insert(2, 'RIGHT');
  right.getText('t').delete(0, 1);
  const [first, , third] = leftParts as [Uint8Array, Uint8Array, Uint8Array];
  updates.set('merged concurrent', Y.mergeUpdates([Y.encodeStateAsUpdate(left), Y.encodeStateAsUpdate(right)]));
  updates.set('merged with gap (Skip)', Y.mergeUpdates([first, third]));
  updates.set('diff against state vector', Y.encodeStateAsUpdate(right, Y.encodeStateVector(left)));
  updates.set('diffUpdate', Y.diffUpdate(Y.encodeStateAsUpdate(right), Y.encodeStateVector(new Y.Doc())));
  updates.set('empty document', Y.encodeStateAsUpdate(new Y.Doc()));
  updates.set('legacy JSON content', legacyJsonUpdate());
  return updates;
}

/** ContentJSON is no longer written by Yjs but still read: built by hand. */
function legacyJsonUpdate(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1); // one client section
  encoding.writeVarUint(encoder, 1); // one struct
  encoding.writeVarUint(encoder, 77); // client
  encoding.writeVarUint(encoder, 0); // clock
  encoding.writeUint8(encoder, 2); // ContentJSON, no origins
  encoding.writeVarUint(encoder, 1); // parent is a root type key
  encoding.writeVarString(encoder, 'legacy');
  encoding.writeVarUint(encoder, 3);
  encoding.writeVarString(encoder, '{"a":[1,2]}');
  encoding.writeVarString(encoder, 'undefined');
  encoding.writeVarString(encoder, '"s"');
  encoding.writeVarUint(encoder, 0); // empty delete set
  return encoding.toUint8Array(encoder);
}

function accepted(result: UpdateInspectionResult): UpdateInspection {
  if (!result.ok) throw new Error(`rejected: ${result.code} ${result.detail} at ${result.offset}`);
  return result;
}

/** What Yjs itself reports about an update, for cross-checking. */
function yjsView(update: Uint8Array): {
  from: Map<number, number>;
  to: Map<number, number>;
  structCount: number;
  deleteClients: number[];
  references: Map<number, number>;
} {
  const meta = Y.parseUpdateMeta(update);
  const decoded = Y.decodeUpdate(update);
  const references = new Map<number, number>();
  const note = (own: number, id: Y.ID | null): void => {
    if (id === null || id.client === own) return;
    references.set(id.client, Math.max(references.get(id.client) ?? 0, id.clock + 1));
  };
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    note(struct.id.client, struct.origin);
    note(struct.id.client, struct.rightOrigin);
    if (struct.parent instanceof Y.ID) note(struct.id.client, struct.parent);
  }
  return {
    from: meta.from,
    to: meta.to,
    structCount: decoded.structs.length,
    deleteClients: [...decoded.ds.clients.keys()].sort(),
    references,
  };
}

const updates = realUpdates();

describe('inspectUpdate on real Yjs updates', () => {
  it.each([...updates.keys()])('accepts %s and agrees with Yjs', (name) => {
    const update = updates.get(name) as Uint8Array;
    const inspection = accepted(inspectUpdate(update));
    const yjs = yjsView(update);
    expect(new Map([...inspection.clients].map(([client, range]) => [client, range.firstClock]))).toEqual(yjs.from);
    expect(new Map([...inspection.clients].map(([client, range]) => [client, range.endClock]))).toEqual(yjs.to);
    expect(inspection.structCount).toBe(yjs.structCount);
    expect([...inspection.deleteSet.keys()].sort()).toEqual(yjs.deleteClients);
    expect(inspection.references).toEqual(yjs.references);
    expect(inspection.byteLength).toBe(update.length);
  });

  it('covers every content kind among the fixtures', () => {
    const kinds = new Set<string>();
    for (const update of updates.values()) {
      for (const struct of Y.decodeUpdate(update).structs) {
        kinds.add(struct instanceof Y.Item ? struct.content.constructor.name : struct.constructor.name);
      }
    }
    for (const kind of ['GC', 'Skip', 'ContentDeleted', 'ContentJSON', 'ContentBinary', 'ContentString', 'ContentEmbed',
      'ContentFormat', 'ContentType', 'ContentAny', 'ContentDoc']) {
      expect(kinds).toContain(kind);
    }
  });

  it('reports the Skip gap: content after a Skip requires the skipped clocks', () => {
    const update = updates.get('merged with gap (Skip)') as Uint8Array;
    const [range] = [...accepted(inspectUpdate(update)).clients.values()];
    expect(range).toMatchObject({ firstClock: 0, requiredClock: 6, contentEndClock: 11, endClock: 11 });
  });

  it('counts a string struct in UTF-16 code units, as Yjs does', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, '😀a\uFEFF');
    const [range] = [...accepted(inspectUpdate(Y.encodeStateAsUpdate(doc))).clients.values()];
    expect(range?.endClock).toBe(4);
  });

  it('accepts the empty update and rejects what is not one', () => {
    expect(accepted(inspectUpdate(new Uint8Array([0, 0]))).structCount).toBe(0);
    expect(inspectUpdate(new Uint8Array([]))).toMatchObject({ ok: false, code: 'ERR_UPDATE_MALFORMED' });
    expect(inspectUpdate(new Uint8Array([0]))).toMatchObject({ ok: false, code: 'ERR_UPDATE_MALFORMED' });
  });
});

describe('inspectUpdate on damaged updates', () => {
  it('rejects every truncation of every real update, as Yjs fails to decode them', () => {
    let checked = 0;
    for (const [name, update] of updates) {
      if (name === 'empty document') continue;
      for (let length = 0; length < update.length; length++) {
        const prefix = update.subarray(0, length);
        const result = inspectUpdate(prefix);
        expect(result, `${name} cut at ${length}`).toMatchObject({ ok: false, code: 'ERR_UPDATE_MALFORMED' });
        expect(() => Y.decodeUpdate(prefix), `${name} cut at ${length}`).toThrow();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('rejects trailing bytes that Yjs would ignore', () => {
    for (const update of updates.values()) {
      const padded = new Uint8Array([...update, 0]);
      expect(inspectUpdate(padded)).toMatchObject({ ok: false, code: 'ERR_UPDATE_MALFORMED' });
    }
  });

  it('never throws on random mutations, and what it accepts Yjs decodes identically', () => {
    const samples = [...updates.values()].filter((update) => update.length > 2);
    const mutation = fc.record({
      sample: fc.nat({ max: samples.length - 1 }),
      edits: fc.array(
        fc.record({ kind: fc.constantFrom('set', 'insert', 'delete'), position: fc.nat(), byte: fc.nat({ max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ sample, edits }) => {
        const bytes = [...(samples[sample] as Uint8Array)];
        for (const edit of edits) {
          const position = edit.position % (bytes.length + 1);
          if (edit.kind === 'set' && position < bytes.length) bytes[position] = edit.byte;
          if (edit.kind === 'insert') bytes.splice(position, 0, edit.byte);
          if (edit.kind === 'delete') bytes.splice(position, 1);
        }
        const update = new Uint8Array(bytes);
        const result = inspectUpdate(update);
        if (!result.ok) return;
        const yjs = yjsView(update);
        expect(new Map([...result.clients].map(([client, range]) => [client, range.endClock]))).toEqual(yjs.to);
        expect(result.structCount).toBe(yjs.structCount);
      }),
      { numRuns: 3000, seed: 20240607 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = inspectUpdate(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 5000, seed: 7 },
    );
  });
});

/** Builds one client section of hostile structs followed by an empty delete set. */
function section(client: number, clock: number, structCount: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, structCount);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, clock);
  write(encoder);
  encoding.writeVarUint(encoder, 0);
  return encoding.toUint8Array(encoder);
}

/** An item under root type `text` with no origins, then `content` after its info byte. */
function rootItem(info: number, writeContent: (encoder: encoding.Encoder) => void): (encoder: encoding.Encoder) => void {
  return (encoder) => {
    encoding.writeUint8(encoder, info);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarString(encoder, 'text');
    writeContent(encoder);
  };
}

function bytesOf(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

describe('inspectUpdate on hostile updates', () => {
  const cases: [string, Uint8Array, string][] = [
    ['1 MiB of 0x80 (never-ending varint)', new Uint8Array(1024 * 1024).fill(0x80), 'ERR_UPDATE_MALFORMED'],
    ['2^40 declared clients', bytesOf((e) => encoding.writeVarUint(e, 2 ** 40)), 'ERR_UPDATE_TOO_MANY_CLIENTS'],
    ['50M declared structs', section(1, 0, 50_000_000, () => undefined), 'ERR_UPDATE_TOO_MANY_STRUCTS'],
    ['GC struct of length 2^50', section(1, 0, 1, (e) => {
      encoding.writeUint8(e, 0);
      encoding.writeVarUint(e, 2 ** 50);
    }), 'ERR_UPDATE_STRUCT_TOO_LONG'],
    ['Skip struct of length 2^50', section(1, 0, 1, (e) => {
      encoding.writeUint8(e, 10);
      encoding.writeVarUint(e, 2 ** 50);
    }), 'ERR_UPDATE_STRUCT_TOO_LONG'],
    ['deleted content of length 2^50', section(1, 0, 1, rootItem(1, (e) => encoding.writeVarUint(e, 2 ** 50))),
      'ERR_UPDATE_STRUCT_TOO_LONG'],
    ['2^31-byte string', section(1, 0, 1, rootItem(4, (e) => encoding.writeVarUint(e, 2 ** 31))),
      'ERR_UPDATE_STRING_TOO_LONG'],
    ['2^31-byte binary', section(1, 0, 1, rootItem(3, (e) => encoding.writeVarUint(e, 2 ** 31))),
      'ERR_UPDATE_STRING_TOO_LONG'],
    ['string longer than the update', section(1, 0, 1, rootItem(4, (e) => {
      encoding.writeVarUint(e, 100);
      encoding.writeUint8(e, 0x61);
    })), 'ERR_UPDATE_MALFORMED'],
    ['invalid UTF-8 string', section(1, 0, 1, rootItem(4, (e) => encoding.writeVarUint8Array(e, new Uint8Array([0xc3, 0x28])))),
      'ERR_UPDATE_MALFORMED'],
    ['lone surrogate encoded in UTF-8', section(1, 0, 1, rootItem(4, (e) => encoding.writeVarUint8Array(e, new Uint8Array([0xed, 0xa0, 0x80])))),
      'ERR_UPDATE_MALFORMED'],
    ['empty string item', section(1, 0, 1, rootItem(4, (e) => encoding.writeVarString(e, ''))), 'ERR_UPDATE_MALFORMED'],
    ['unknown content reference 11', section(1, 0, 1, rootItem(11, () => undefined)), 'ERR_UPDATE_MALFORMED'],
    ['unknown type reference 7', section(1, 0, 1, rootItem(7, (e) => encoding.writeVarUint(e, 7))), 'ERR_UPDATE_MALFORMED'],
    ['invalid embed JSON', section(1, 0, 1, rootItem(5, (e) => encoding.writeVarString(e, '{nope'))), 'ERR_UPDATE_MALFORMED'],
    ['embed JSON nested 100k deep', section(1, 0, 1, rootItem(5, (e) => encoding.writeVarString(e, '['.repeat(100_000)))),
      'ERR_UPDATE_TOO_DEEP'],
    ['any value nested 100k deep', section(1, 0, 1, rootItem(8, (e) => {
      encoding.writeVarUint(e, 1);
      for (let depth = 0; depth < 100_000; depth++) {
        encoding.writeUint8(e, 117);
        encoding.writeVarUint(e, 1);
      }
      encoding.writeUint8(e, 126);
    })), 'ERR_UPDATE_TOO_DEEP'],
    ['unknown any tag', section(1, 0, 1, rootItem(8, (e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeUint8(e, 99);
    })), 'ERR_UPDATE_MALFORMED'],
    ['subdocument with null options', section(1, 0, 1, rootItem(9, (e) => {
      encoding.writeVarString(e, 'guid');
      encoding.writeUint8(e, 126);
    })), 'ERR_UPDATE_MALFORMED'],
    ['origin forward in its own client', section(1, 5, 1, (e) => {
      encoding.writeUint8(e, 0x80 | 4);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 5);
      encoding.writeVarString(e, 'x');
    }), 'ERR_UPDATE_MALFORMED'],
    ['parent info 2', section(1, 0, 1, (e) => {
      encoding.writeUint8(e, 4);
      encoding.writeVarUint(e, 2);
    }), 'ERR_UPDATE_MALFORMED'],
    ['GC struct with flag bits', section(1, 0, 1, (e) => {
      encoding.writeUint8(e, 0x80);
      encoding.writeVarUint(e, 1);
    }), 'ERR_UPDATE_MALFORMED'],
    ['section without structs', section(1, 0, 0, () => undefined), 'ERR_UPDATE_MALFORMED'],
    ['clock beyond 2^53', section(1, Number.MAX_SAFE_INTEGER, 1, (e) => {
      encoding.writeUint8(e, 0);
      encoding.writeVarUint(e, 5);
    }), 'ERR_UPDATE_MALFORMED'],
    ['2^40 delete-set clients', bytesOf((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 2 ** 40);
    }), 'ERR_UPDATE_TOO_MANY_CLIENTS'],
    ['2^40 delete ranges', bytesOf((e) => {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 9);
      encoding.writeVarUint(e, 2 ** 40);
    }), 'ERR_UPDATE_TOO_MANY_DELETES'],
  ];

  it.each(cases)('rejects %s', (_name, update, code) => {
    expect(inspectUpdate(update)).toMatchObject({ ok: false, code });
  });

  it('rejects a second section for the same client (Yjs would silently drop the first)', () => {
    const gc = (clock: number): Uint8Array => section(1, clock, 1, (e) => {
      encoding.writeUint8(e, 0);
      encoding.writeVarUint(e, 1);
    });
    const one = gc(0);
    const two = gc(1);
    // Splice two sections into one update: count 2, then both bodies, then one delete set.
    const merged = new Uint8Array([2, ...one.subarray(1, one.length - 1), ...two.subarray(1, two.length - 1), 0]);
    expect(inspectUpdate(merged)).toMatchObject({ ok: false, code: 'ERR_UPDATE_MALFORMED' });
  });

  it('enforces each configured limit at its boundary', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'abc');
    doc.getMap('m').set('k', { a: { b: 1 } });
    const update = Y.encodeStateAsUpdate(doc);
    expect(inspectUpdate(update, { maxStringBytes: 3 }).ok).toBe(true);
    expect(inspectUpdate(update, { maxStringBytes: 2 })).toMatchObject({ code: 'ERR_UPDATE_STRING_TOO_LONG' });
    expect(inspectUpdate(update, { maxNestingDepth: 2 }).ok).toBe(true);
    expect(inspectUpdate(update, { maxNestingDepth: 1 })).toMatchObject({ code: 'ERR_UPDATE_TOO_DEEP' });
    expect(inspectUpdate(update, { maxStructs: 2 }).ok).toBe(true);
    expect(inspectUpdate(update, { maxStructs: 1 })).toMatchObject({ code: 'ERR_UPDATE_TOO_MANY_STRUCTS' });
    expect(inspectUpdate(update, { maxClients: 1 }).ok).toBe(true);
    expect(inspectUpdate(update, { maxClients: 0 })).toMatchObject({ code: 'ERR_UPDATE_TOO_MANY_CLIENTS' });
    doc.getText('t').delete(0, 1);
    const withDelete = Y.encodeStateAsUpdate(doc);
    expect(inspectUpdate(withDelete, { maxDeleteRanges: 1 }).ok).toBe(true);
    expect(inspectUpdate(withDelete, { maxDeleteRanges: 0 })).toMatchObject({ code: 'ERR_UPDATE_TOO_MANY_DELETES' });
    const gc = section(1, 0, 1, (e) => {
      encoding.writeUint8(e, 0);
      encoding.writeVarUint(e, 10);
    });
    expect(inspectUpdate(gc, { maxStructLength: 10 }).ok).toBe(true);
    expect(inspectUpdate(gc, { maxStructLength: 9 })).toMatchObject({ code: 'ERR_UPDATE_STRUCT_TOO_LONG' });
  });

  it('treats bad limits as programmer errors and documents its defaults', () => {
    expect(() => inspectUpdate(new Uint8Array([0, 0]), { maxStructs: -1 })).toThrow(RangeError);
    expect(() => resolveUpdateLimits({ maxClients: Number.NaN })).toThrow(RangeError);
    expect(resolveUpdateLimits({})).toEqual(DEFAULT_UPDATE_LIMITS);
  });
});
