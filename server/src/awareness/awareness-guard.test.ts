import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import {
  AwarenessGuard,
  decodeAwarenessUpdate,
  encodeAwarenessEntries,
  DEFAULT_AWARENESS_LIMITS,
  type AwarenessFilterResult,
} from './awareness-guard.ts';

/** A client-side Awareness with a fixed client ID. */
function clientAwareness(clientId: number, state: Record<string, unknown> | null): awarenessProtocol.Awareness {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  return awareness;
}

function updateOf(awareness: awarenessProtocol.Awareness, clients = [awareness.clientID]): Uint8Array {
  return awarenessProtocol.encodeAwarenessUpdate(awareness, clients);
}

function entriesBytes(entries: [clientId: number, clock: number, json: string][]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}

/** The room side: a server Awareness fed only what the guard lets through. */
function room() {
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(null);
  const guard = new AwarenessGuard({ reservedClientIds: [doc.clientID] });
  const receive = (update: Uint8Array, connectionId: number) => {
    const result = guard.filter(update, connectionId, (id) => awareness.meta.get(id)?.clock);
    if (result.ok) awarenessProtocol.applyAwarenessUpdate(awareness, result.update, connectionId);
    return result;
  };
  const leave = (connectionId: number) => {
    awarenessProtocol.removeAwarenessStates(awareness, guard.release(connectionId), 'left');
  };
  return { awareness, guard, receive, leave, serverClientId: doc.clientID };
}

function accepted(result: ReturnType<AwarenessGuard['filter']>): AwarenessFilterResult {
  if (!result.ok) throw new Error(`${result.code}: ${result.detail}`);
  return result;
}

describe('decodeAwarenessUpdate', () => {
  it('decodes what y-protocols encodes', () => {
    const awareness = clientAwareness(7, { user: { name: 'Ada', color: '#f00' }, cursor: null });
    const decoded = decodeAwarenessUpdate(updateOf(awareness));
    expect(decoded).toEqual({
      ok: true,
      entries: [{ clientId: 7, clock: 1, stateJson: '{"user":{"name":"Ada","color":"#f00"},"cursor":null}', isRemoval: false }],
    });
    awareness.setLocalState(null);
    expect(decodeAwarenessUpdate(updateOf(awareness))).toMatchObject({ ok: true, entries: [{ clock: 2, isRemoval: true }] });
  });

  it('re-encodes entries byte for byte', () => {
    const update = updateOf(clientAwareness(7, { name: 'ünï 😀', list: [1, { a: [] }] }));
    const decoded = decodeAwarenessUpdate(update);
    expect(decoded.ok && encodeAwarenessEntries(decoded.entries)).toEqual(update);
  });

  const json = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const cases: [string, Uint8Array, string][] = [
    ['empty input', new Uint8Array([]), 'ERR_AWARENESS_MALFORMED'],
    ['truncated state', updateOf(clientAwareness(7, { a: 1 })).subarray(0, 6), 'ERR_AWARENESS_MALFORMED'],
    ['trailing bytes', new Uint8Array([...entriesBytes([[1, 0, 'null']]), 0]), 'ERR_AWARENESS_MALFORMED'],
    ['never-ending varint', new Uint8Array(1024 * 1024).fill(0x80), 'ERR_AWARENESS_MALFORMED'],
    ['invalid JSON', entriesBytes([[1, 0, '{"a":']]), 'ERR_AWARENESS_MALFORMED'],
    ['invalid UTF-8', new Uint8Array([1, 1, 0, 3, 0x22, 0xff, 0x22]), 'ERR_AWARENESS_MALFORMED'],
    ['1 MB state', entriesBytes([[1, 0, JSON.stringify({ blob: 'x'.repeat(1024 * 1024) })]]), 'ERR_AWARENESS_TOO_BIG'],
    ['JSON nested 100k deep (200 kB: the size cap fires first)', entriesBytes([[1, 0, json(100_000)]]), 'ERR_AWARENESS_TOO_BIG'],
    ['JSON nested 33 deep', entriesBytes([[1, 0, json(33)]]), 'ERR_AWARENESS_TOO_DEEP'],
    ['200k client IDs in one message', entriesBytes(Array.from({ length: 200_000 }, (_, i) => [i, 0, 'null'] as [number, number, string])),
      'ERR_AWARENESS_TOO_MANY_CLIENTS'],
    ['a count the message cannot hold', new Uint8Array([100, 1, 0]), 'ERR_AWARENESS_MALFORMED'],
  ];
  it.each(cases)('rejects %s', (_name, update, code) => {
    expect(decodeAwarenessUpdate(update)).toMatchObject({ ok: false, code });
  });

  it('measures depth without recursion even when the size cap allows it', () => {
    const deep = entriesBytes([[1, 0, json(100_000)]]);
    expect(decodeAwarenessUpdate(deep, { maxStateBytes: 1024 * 1024 })).toMatchObject({ code: 'ERR_AWARENESS_TOO_DEEP' });
    expect(decodeAwarenessUpdate(entriesBytes([[1, 0, json(32)]])).ok).toBe(true);
    expect(decodeAwarenessUpdate(entriesBytes([[1, 0, '"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["']])).ok).toBe(true);
  });

  it('refuses the whole message where y-protocols would apply the entries before a broken one', () => {
    const update = entriesBytes([[1, 1, '{"ok":true}'], [2, 1, '{broken']]);
    expect(decodeAwarenessUpdate(update)).toMatchObject({ ok: false, code: 'ERR_AWARENESS_MALFORMED' });
    const stock = new awarenessProtocol.Awareness(new Y.Doc());
    expect(() => awarenessProtocol.applyAwarenessUpdate(stock, update, null)).toThrow();
    expect(stock.getStates().get(1)).toEqual({ ok: true });
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        expect(typeof decodeAwarenessUpdate(bytes).ok).toBe('boolean');
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('documents its defaults and refuses bad limits', () => {
    expect(DEFAULT_AWARENESS_LIMITS).toMatchObject({ maxClientsPerConnection: 4, maxStateBytes: 16384, maxDepth: 32 });
    expect(() => new AwarenessGuard({ maxDepth: -1 })).toThrow(RangeError);
    expect(() => decodeAwarenessUpdate(new Uint8Array([0]), { maxStateBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('AwarenessGuard', () => {
  it('makes the first announced IDs the connection’s own', () => {
    const server = room();
    const result = accepted(server.receive(updateOf(clientAwareness(7, { name: 'a' })), 1));
    expect(result).toMatchObject({ claimed: [7], dropped: [] });
    expect(server.guard.ownerOf(7)).toBe(1);
    expect(server.awareness.getStates().get(7)).toEqual({ name: 'a' });
  });

  it('drops a spoofed state or removal for another connection’s ID; the victim’s cursor survives', () => {
    const server = room();
    const victim = clientAwareness(7, { cursor: 1 });
    server.receive(updateOf(victim), 1);
    const spoofed = entriesBytes([[7, 50, '{"cursor":"spoofed"}']]);
    expect(accepted(server.receive(spoofed, 2))).toMatchObject({ entries: [], dropped: [{ clientId: 7, reason: 'foreign' }] });
    const removal = entriesBytes([[7, 51, 'null']]);
    expect(accepted(server.receive(removal, 2)).dropped).toEqual([{ clientId: 7, reason: 'foreign' }]);
    expect(server.awareness.getStates().get(7)).toEqual({ cursor: 1 });
    expect(server.guard.clientsOf(2).size).toBe(0);
  });

  it('passes a client’s own entries from an echo and drops the others', () => {
    const server = room();
    server.receive(updateOf(clientAwareness(7, { name: 'a' })), 1);
    // Connection 2's client received 7's state and echoes it with its own.
    const echoing = clientAwareness(8, { name: 'b' });
    awarenessProtocol.applyAwarenessUpdate(echoing, updateOf(clientAwareness(7, { name: 'a' })), 'server');
    const result = accepted(server.receive(updateOf(echoing, [7, 8]), 2));
    expect(result.entries.map((entry) => entry.clientId)).toEqual([8]);
    expect(result.dropped).toEqual([{ clientId: 7, reason: 'foreign' }]);
    expect(decodeAwarenessUpdate(result.update)).toMatchObject({ ok: true, entries: [{ clientId: 8 }] });
    expect(server.awareness.getStates().get(8)).toEqual({ name: 'b' });
  });

  it('lets a connection remove its own state, and ignores removals of unowned IDs', () => {
    const server = room();
    const own = clientAwareness(7, { name: 'a' });
    server.receive(updateOf(own), 1);
    own.setLocalState(null);
    expect(accepted(server.receive(updateOf(own), 1)).entries).toMatchObject([{ clientId: 7, isRemoval: true }]);
    expect(server.awareness.getStates().has(7)).toBe(false);
    expect(accepted(server.receive(entriesBytes([[99, 5, 'null']]), 1)).dropped).toEqual([
      { clientId: 99, reason: 'unowned-removal' },
    ]);
  });

  it('does not hand a departed client’s ID to a connection that echoes its old state', () => {
    const server = room();
    const departed = clientAwareness(7, { name: 'gone' });
    server.receive(updateOf(departed), 1);
    server.leave(1);
    expect(server.awareness.getStates().has(7)).toBe(false);
    const echo = accepted(server.receive(updateOf(departed), 2));
    expect(echo.dropped).toEqual([{ clientId: 7, reason: 'stale' }]);
    expect(server.guard.ownerOf(7)).toBeUndefined();
    expect(server.awareness.getStates().has(7)).toBe(false);
  });

  it('caps the IDs of one connection, also across removals (no churn)', () => {
    const server = room();
    const ids = [11, 12, 13, 14, 15];
    const result = accepted(server.receive(entriesBytes(ids.map((id) => [id, 1, '{}'])), 1));
    expect(result.claimed).toEqual([11, 12, 13, 14]);
    expect(result.dropped).toEqual([{ clientId: 15, reason: 'over-cap' }]);
    server.receive(entriesBytes([[11, 2, 'null']]), 1);
    expect(accepted(server.receive(entriesBytes([[16, 1, '{}']]), 1)).dropped).toEqual([{ clientId: 16, reason: 'over-cap' }]);
    expect(server.guard.clientsOf(1)).toEqual(new Set([11, 12, 13, 14]));
  });

  it('rejects over-cap messages whole when configured to', () => {
    const guard = new AwarenessGuard({ maxClientsPerConnection: 1, overCap: 'reject' });
    const result = guard.filter(entriesBytes([[1, 1, '{}'], [2, 1, '{}']]), 9, () => undefined);
    expect(result).toMatchObject({ ok: false, code: 'ERR_AWARENESS_TOO_MANY_CLIENTS' });
    expect(guard.clientsOf(9).size).toBe(0);
    expect(guard.ownerOf(1)).toBeUndefined();
  });

  it('never lets a connection set the room’s own awareness ID', () => {
    const server = room();
    const result = accepted(server.receive(entriesBytes([[server.serverClientId, 5, '{"ghost":true}']]), 1));
    expect(result.dropped).toEqual([{ clientId: server.serverClientId, reason: 'reserved' }]);
    expect(server.awareness.getLocalState()).toBeNull();
  });

  it('frees IDs when the connection leaves, so the client can announce again elsewhere', () => {
    const server = room();
    const client = clientAwareness(7, { name: 'a' });
    server.receive(updateOf(client), 1);
    expect(server.guard.release(1)).toEqual([7]);
    expect(server.guard.release(1)).toEqual([]);
    client.setLocalState({ name: 'a again' });
    expect(accepted(server.receive(updateOf(client), 2)).claimed).toEqual([7]);
  });

  it('returns the input itself when nothing is dropped', () => {
    const server = room();
    const update = updateOf(clientAwareness(7, { name: 'a' }));
    expect(accepted(server.receive(update, 1)).update).toBe(update);
  });

  it('passes structural rejections through', () => {
    const server = room();
    expect(server.receive(entriesBytes([[1, 0, '['.repeat(40)]]), 1)).toMatchObject({ ok: false, code: 'ERR_AWARENESS_TOO_DEEP' });
    expect(server.guard.clientsOf(1).size).toBe(0);
  });
});
