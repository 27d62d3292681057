import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_POLICY_VIOLATION,
  CLOSE_UNSUPPORTED_DATA,
  encodeSyncUpdate,
} from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { assertServedAndIntact, destroyStockClients, Harness, openRaw, readText, textUpdate, writeStored } from './harness.ts';

// Rows 7–14: hostile frames and top-level messages on an open socket.

let harness: Harness;
const stored: Record<string, string> = { witness: 'stored before the attacks' };

beforeAll(async () => {
  harness = await Harness.start(['--max-message-bytes', String(2 * 1024 * 1024), '--max-ignored-per-minute', '20']);
  await writeStored(harness.url, 'witness', stored['witness']!);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

/** A stored document the attack targets; it must read back unchanged. */
async function victim(docName: string): Promise<void> {
  stored[docName] = `original ${docName}`;
  await writeStored(harness.url, docName, stored[docName]);
}

async function expectClosedWith(docName: string, bytes: Uint8Array | string, code: number): Promise<void> {
  await victim(docName);
  const attacker = await openRaw(harness.url, docName);
  attacker.send(bytes);
  expect((await attacker.closed).code).toBe(code);
  expect(await readText(harness.url, docName)).toBe(stored[docName]);
  await assertServedAndIntact(harness, stored);
}

describe('hostile frames (rows 7–14)', () => {
  it('row 7: a frame over maxPayload closes with 1009', async () => {
    await expectClosedWith('row-7', encodeSyncUpdate(textUpdate('x'.repeat(3 * 1024 * 1024))), CLOSE_MESSAGE_TOO_BIG.code);
  });

  it('row 8: a flood of 1-byte or empty non-final fragments closes with 1008', async () => {
    await victim('row-8');
    for (const fragment of [new Uint8Array([0]), new Uint8Array(0)]) {
      const attacker = await openRaw(harness.url, 'row-8');
      for (let index = 0; index < 2_000 && attacker.socket.readyState === attacker.socket.OPEN; index++) {
        attacker.socket.send(fragment, { binary: true, fin: false });
      }
      expect((await attacker.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    }
    expect(await readText(harness.url, 'row-8')).toBe(stored['row-8']);
    await assertServedAndIntact(harness, stored);
  });

  it('row 9: a text frame closes with 1003', async () => {
    await expectClosedWith('row-9', 'hello', CLOSE_UNSUPPORTED_DATA.code);
  });

  it('row 10: an empty binary frame closes with 1007', async () => {
    await expectClosedWith('row-10', new Uint8Array(0), CLOSE_BAD_MESSAGE.code);
  });

  it('row 11: a top-level varint that never ends (1 MiB of 0x80) closes with 1007', async () => {
    await expectClosedWith('row-11', new Uint8Array(1024 * 1024).fill(0x80), CLOSE_BAD_MESSAGE.code);
  });

  it('row 12: unknown message types are ignored and counted; too many a minute close with 1008', async () => {
    await victim('row-12');
    const client = await openRaw(harness.url, 'row-12');
    for (let index = 0; index < 10; index++) client.send(new Uint8Array([99, 1, 2, 3]));
    // Still served: an update after the unknown messages is applied.
    const second = textUpdate(' and more');
    client.send(encodeSyncUpdate(second));
    await expect.poll(() => readText(harness.url, 'row-12')).toContain('and more');
    stored['row-12'] = await readText(harness.url, 'row-12');
    for (let index = 0; index < 30; index++) client.send(new Uint8Array([99]));
    expect((await client.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    await assertServedAndIntact(harness, stored);
  });

  it('row 13: an unknown sync sub-type closes with 1007', async () => {
    await expectClosedWith('row-13', new Uint8Array([0, 7, 0]), CLOSE_BAD_MESSAGE.code);
  });

  it('row 14: a sync update whose inner length exceeds the frame closes with 1007', async () => {
    await expectClosedWith('row-14', new Uint8Array([0, 2, 100, 1, 2, 3]), CLOSE_BAD_MESSAGE.code);
  });
});
