import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { CLOSE_POLICY_VIOLATION, encodeAwareness, type Message } from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import type { RawClient } from '../helpers/raw-client.ts';
import {
  assertServedAndIntact,
  connectStock,
  destroyStockClients,
  Harness,
  openRaw,
  waitForSynced,
  writeStored,
} from './harness.ts';

// Rows 23–26: hostile awareness. The reference server crashes on the first,
// and lets anyone overwrite anyone's cursor in the others.

let harness: Harness;
const stored: Record<string, string> = { witness: 'stored before the attacks' };

beforeAll(async () => {
  harness = await Harness.start(['--max-message-bytes', String(4 * 1024 * 1024)]);
  await writeStored(harness.url, 'witness', stored['witness']!);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

interface Entry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

function awarenessMessage(entries: readonly Entry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encodeAwareness(encoding.toUint8Array(encoder));
}

function entriesOf(message: Message): Entry[] {
  if (message.type !== 'awareness') return [];
  const decoder = decoding.createDecoder(message.update);
  const count = decoding.readVarUint(decoder);
  return Array.from({ length: count }, () => ({
    clientId: decoding.readVarUint(decoder),
    clock: decoding.readVarUint(decoder),
    state: decoding.readVarString(decoder),
  }));
}

const receivedFor = (client: RawClient, clientId: number): Entry[] =>
  client.received.flatMap(entriesOf).filter((entry) => entry.clientId === clientId);

describe('hostile awareness (rows 23–26)', () => {
  it('row 23: a 1 MB state or JSON nested 100k deep is refused; a client joining afterwards is served', async () => {
    const present = connectStock(harness.url, 'row-23');
    await waitForSynced(present);
    present.awareness.setLocalStateField('user', { name: 'present' });
    const attacks = [
      JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }),
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    ];
    for (const state of attacks) {
      const attacker = await openRaw(harness.url, 'row-23');
      attacker.send(awarenessMessage([{ clientId: 777, clock: 1, state }]));
      expect((await attacker.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    }
    const joiner = connectStock(harness.url, 'row-23');
    await waitForSynced(joiner);
    await vi.waitFor(() => expect(joiner.awareness.getStates().get(present.doc.clientID)).toEqual({ user: { name: 'present' } }));
    expect(joiner.awareness.getStates().has(777)).toBe(false);
    await assertServedAndIntact(harness, stored);
  });

  it('row 24: 200k fake client IDs close with 1008; churning through new IDs is capped', async () => {
    const flood = await openRaw(harness.url, 'row-24');
    const entries = Array.from({ length: 200_000 }, (_, index) => ({ clientId: index + 1, clock: 1, state: '{}' }));
    flood.send(awarenessMessage(entries));
    expect((await flood.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);

    const observer = connectStock(harness.url, 'row-24');
    await waitForSynced(observer);
    const churner = await openRaw(harness.url, 'row-24');
    for (let id = 1_000; id < 1_050; id++) {
      churner.send(awarenessMessage([{ clientId: id, clock: 1, state: `{"id":${id}}` }]));
    }
    // The first IDs (up to the per-connection cap of 4) become its own; the rest are dropped.
    await vi.waitFor(() => expect(observer.awareness.getStates().has(1_003)).toBe(true));
    // Removing one of its own IDs works, and does not free a slot for a new one.
    churner.send(awarenessMessage([{ clientId: 1_000, clock: 2, state: 'null' }]));
    churner.send(awarenessMessage([{ clientId: 5_000, clock: 1, state: '{"late":true}' }]));
    await vi.waitFor(() => expect(observer.awareness.getStates().has(1_000)).toBe(false));
    const seen = [...observer.awareness.meta.keys()].filter((id) => id >= 1_000 && id <= 5_000);
    expect(seen.sort()).toEqual([1_000, 1_001, 1_002, 1_003]);
    churner.close();
    await assertServedAndIntact(harness, stored);
  });

  it("row 25: null or spoofed states for another connection's client ID are dropped; the victim's cursor survives", async () => {
    const victim = connectStock(harness.url, 'row-25');
    const observer = connectStock(harness.url, 'row-25');
    await waitForSynced(victim, observer);
    victim.awareness.setLocalStateField('cursor', 42);
    await vi.waitFor(() => expect(observer.awareness.getStates().get(victim.doc.clientID)).toEqual({ cursor: 42 }));
    const attacker = await openRaw(harness.url, 'row-25');
    const clock = victim.awareness.meta.get(victim.doc.clientID)!.clock;
    attacker.send(awarenessMessage([{ clientId: victim.doc.clientID, clock: clock + 10, state: '{"cursor":666}' }]));
    attacker.send(awarenessMessage([{ clientId: victim.doc.clientID, clock: clock + 20, state: 'null' }]));
    // A marker from the attacker's own ID shows its earlier messages were processed.
    attacker.send(awarenessMessage([{ clientId: 31_337, clock: 1, state: '{"marker":true}' }]));
    await vi.waitFor(() => expect(observer.awareness.getStates().get(31_337)).toEqual({ marker: true }));
    expect(observer.awareness.getStates().get(victim.doc.clientID)).toEqual({ cursor: 42 });
    attacker.close();
    await assertServedAndIntact(harness, stored);
  });

  it('row 26: awareness at 100 messages a second is forwarded at most about 10 times a second, latest state last', async () => {
    const observer = await openRaw(harness.url, 'row-26');
    const sender = await openRaw(harness.url, 'row-26');
    const clientId = 4_242;
    const started = performance.now();
    for (let clock = 1; clock <= 100; clock++) {
      sender.send(awarenessMessage([{ clientId, clock, state: `{"n":${clock}}` }]));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await vi.waitFor(() => expect(receivedFor(observer, clientId).at(-1)?.state).toBe('{"n":100}'));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const forwarded = receivedFor(observer, clientId).length;
    // One message goes at once, then at most one per 100 ms interval.
    expect(forwarded).toBeLessThanOrEqual(Math.ceil(elapsedSeconds * 10) + 2);
    expect(forwarded).toBeLessThan(50);
    sender.close();
    observer.close();
    await assertServedAndIntact(harness, stored);
  });
});
