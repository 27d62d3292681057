import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  QUIRE_SUBPROTOCOL,
} from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { RawClient } from '../helpers/raw-client.ts';
import { writeAll } from '../security/helpers/tokens.ts';
import {
  assertServedAndIntact,
  connectStock,
  destroyStockClients,
  documentUrl,
  Harness,
  readText,
  waitForSynced,
} from './harness.ts';

// Property-based fuzzing of the server's message handling: random and
// mutated frames from several connections at once, for a bounded number of
// runs, while two honest clients edit. The server must stay up, the honest
// clients must converge, and nothing they wrote may be lost.

let harness: Harness;

beforeAll(async () => {
  harness = await Harness.start(['--messages-per-second', '5000', '--message-burst', '5000', '--max-ignored-per-minute', '100000']);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

/** Well-formed messages an attacker could start from. */
function seedMessages(): Uint8Array[] {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, 'seed content');
  doc.getMap('m').set('k', { nested: [1, 2, 3] });
  doc.getText('text').delete(0, 2);
  const update = Y.encodeStateAsUpdate(doc);
  const awareness = new Uint8Array([1, 77, 1, 9, ...Buffer.from('{"u":"A"}')]);
  return [
    encodeSyncUpdate(update),
    encodeSyncStep2(update),
    encodeSyncStep1(Y.encodeStateVector(doc)),
    encodeAwareness(awareness),
    new Uint8Array([3]),
    new Uint8Array([101, 3, 0x61, 0x62, 0x63]),
  ];
}

const seeds = seedMessages();

/** A frame: random bytes, or a seed message with bytes flipped, cut or inserted. */
const frame = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
  fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(
        fc.record({
          kind: fc.constantFrom('flip', 'cut', 'insert'),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ seed, edits }) => {
      let bytes = [...seeds[seed]!];
      for (const edit of edits) {
        const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
        if (edit.kind === 'flip') bytes[at] = edit.value;
        else if (edit.kind === 'cut') bytes = bytes.slice(0, at);
        else bytes.splice(at, 0, edit.value);
      }
      return Uint8Array.from(bytes);
    }),
  fc.constantFrom(...seeds),
);

describe('fuzzing message handling', () => {
  it('random and mutated frames from three connections never hurt honest clients', async () => {
    const alice = connectStock(harness.url, 'fuzz', writeAll('alice'));
    const bob = connectStock(harness.url, 'fuzz', writeAll('bob'));
    await waitForSynced(alice, bob);
    let edits = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(frame, { maxLength: 40 }), { minLength: 3, maxLength: 3 }), async (streams) => {
        const attackers = streams.map((_, index) => {
          const client = new RawClient(documentUrl(harness.url, 'fuzz', writeAll(`mallory-${index}`)), index === 0 ? [] : [QUIRE_SUBPROTOCOL]);
          return client;
        });
        await Promise.all(attackers.map((client) => client.opened));
        streams.forEach((stream, index) => {
          const client = attackers[index]!;
          for (const bytes of stream) {
            if (client.socket.readyState !== client.socket.OPEN) break;
            client.send(bytes);
          }
        });
        // Honest edits interleave with the attack.
        alice.doc.getText('text').insert(0, `[a${edits}]`);
        bob.doc.getText('text').insert(0, `[b${edits}]`);
        edits++;
        for (const client of attackers) client.close();
        await Promise.all(attackers.map((client) => client.closed));
        expect(harness.alive).toBe(true);
      }),
      { numRuns: 200, interruptAfterTimeLimit: 6_000 },
    );

    await vi.waitFor(
      () => expect(Buffer.from(Y.encodeStateVector(alice.doc))).toEqual(Buffer.from(Y.encodeStateVector(bob.doc))),
      { timeout: 10_000, interval: 20 },
    );
    const text = alice.doc.getText('text').toString();
    for (let index = 0; index < edits; index++) {
      expect(text).toContain(`[a${index}]`);
      expect(text).toContain(`[b${index}]`);
    }
    await vi.waitFor(async () => expect(await readText(harness.url, 'fuzz')).toBe(text), { timeout: 10_000 });
    await assertServedAndIntact(harness, { fuzz: text });
  }, 60_000);
});
