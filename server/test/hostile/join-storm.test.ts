import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncUpdate } from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { Harness, documentUrl, openRaw, readText, textUpdate, writeStored } from './harness.ts';

// Row 42: a crowd joins one large document at once. The server encodes the
// document once and shares those bytes between every joiner, so memory grows
// by a few copies of the document, not one per joiner; everyone gets all of
// it, and edits made during the storm are kept.

const DOCUMENT_BYTES = 2 * 1024 * 1024;
const JOINERS = 400;

let harness: Harness;
beforeAll(async () => {
  harness = await Harness.start();
});
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/** Joins with an empty state vector and resolves with the size of the document update received. */
function join(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'nodebuffer';
    socket.on('open', () => socket.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))));
    socket.on('message', (data: Buffer) => {
      // 0 sync · 1 step 2: the answer to our step 1 (the server's own step 1 comes first).
      if (data[0] !== 0 || data[1] !== 1) return;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(data.buffer, data.byteOffset + 2 + varUintLength(data, 2), data.byteLength - 2 - varUintLength(data, 2)));
      resolve(doc.getText('text').length);
      socket.close();
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code} before the document arrived`)));
  });
}

function varUintLength(bytes: Uint8Array, offset: number): number {
  let length = 1;
  while ((bytes[offset + length - 1] ?? 0) & 0x80) length += 1;
  return length;
}

describe('row 42: a join storm on a large document', () => {
  it(`serves ${JOINERS} joiners at once the whole document with bounded memory, and loses no edit`, async () => {
    const content = 'x'.repeat(DOCUMENT_BYTES);
    await writeStored(harness.url, 'storm', content);
    const pid = harness.server.child.pid!;
    // Warm the room: the first join loads and encodes the document.
    expect(await join(documentUrl(harness.url, 'storm'))).toBe(DOCUMENT_BYTES);
    const before = await peakRssBytes(pid);

    const writer = await openRaw(harness.url, 'storm', { extensions: true });
    const writerDoc = new Y.Doc();
    const joins = Array.from({ length: JOINERS }, () => join(documentUrl(harness.url, 'storm')));
    writer.send(encodeSyncUpdate(textUpdate('[during the storm]', writerDoc)));
    const sizes = await Promise.all(joins);

    // Every joiner got the whole document (the storm edit may or may not be in it yet).
    expect(sizes.every((size) => size >= DOCUMENT_BYTES)).toBe(true);
    // One copy per joiner would be JOINERS × 2 MiB = 800 MiB; shared bytes stay far below.
    const growth = (await peakRssBytes(pid)) - before;
    expect(growth).toBeLessThan(40 * DOCUMENT_BYTES);
    expect((await writer.next('saved')).count).toBe(1);
    writer.close();

    await harness.restart();
    // The writer's replica was empty, so its edit sits beside the content, before or after it by client ID.
    const text = await readText(harness.url, 'storm');
    expect(text.length).toBe(DOCUMENT_BYTES + '[during the storm]'.length);
    expect(text.replace('[during the storm]', '')).toBe(content);
  }, 120_000);
});
