import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRelayMessage, encodeRelayMessage, MAX_NODE_ID_LENGTH, type RelayMessage } from './awareness-relay-message.ts';
import { ClientOrigins } from './awareness-relay-origins.ts';

describe('relay messages', () => {
  const messages: RelayMessage[] = [
    { sender: 'node-a', kind: 'update', payload: new Uint8Array([1, 7, 1, 2, 123, 125]) },
    { sender: 'node-ü', kind: 'answer', payload: new Uint8Array([0]) },
    { sender: 'node-b', kind: 'query' },
    { sender: 'node-c', kind: 'leave' },
  ];
  it.each(messages)('round-trips a $kind', (message) => {
    expect(decodeRelayMessage(encodeRelayMessage(message))).toEqual(message);
  });

  it('refuses what is not exactly one message of this format', () => {
    const update = encodeRelayMessage({ sender: 'a', kind: 'update', payload: new Uint8Array([1, 2, 3]) });
    expect(decodeRelayMessage(update.subarray(0, update.length - 1))).toBeUndefined();
    expect(decodeRelayMessage(new Uint8Array([...update, 0]))).toBeUndefined();
    expect(decodeRelayMessage(new Uint8Array([2, ...update.subarray(1)]))).toBeUndefined();
    expect(decodeRelayMessage(new Uint8Array([1, 1, 0x61, 9]))).toBeUndefined();
    expect(decodeRelayMessage(encodeRelayMessage({ sender: '', kind: 'query' }))).toBeUndefined();
    expect(decodeRelayMessage(encodeRelayMessage({ sender: 'x'.repeat(MAX_NODE_ID_LENGTH + 1), kind: 'query' }))).toBeUndefined();
    expect(decodeRelayMessage(new Uint8Array([]))).toBeUndefined();
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const message = decodeRelayMessage(bytes);
        expect(message === undefined || typeof message.sender === 'string').toBe(true);
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});

describe('ClientOrigins', () => {
  const state = (clientId: number) => ({ clientId, isRemoval: false });
  const removal = (clientId: number) => ({ clientId, isRemoval: true });

  it('gives back a node’s clients once, without those removed or moved to another node', () => {
    const origins = new ClientOrigins(100);
    origins.note('a', [state(1), state(2), state(3)]);
    origins.note('a', [removal(2)]);
    origins.note('b', [state(3)]);
    origins.note('b', [removal(1)]);
    expect([...origins.nodes()].sort()).toEqual(['a', 'b']);
    expect(origins.take('a')).toEqual([1]);
    expect(origins.take('a')).toEqual([]);
    expect(origins.take('b')).toEqual([3]);
    expect([...origins.nodes()]).toEqual([]);
  });

  it('remembers at most maxClients', () => {
    const origins = new ClientOrigins(2);
    origins.note('a', [state(1), state(2), state(3)]);
    expect(origins.take('a')).toEqual([1, 2]);
  });
});
