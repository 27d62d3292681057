import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeSyncStep2, encodeSyncUpdate, QUIRE_SUBPROTOCOL, type Message } from '@quire/protocol';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { QuireProvider } from '../src/index.ts';
import { createNodeProvider, destroyNodeProviders, waitForAllSaved, waitForSynced } from './helpers/node-provider.ts';

afterEach(async () => {
  destroyNodeProviders();
  await killServerProcesses();
  await removeTempDirs();
});

/** Resolves right when `unsavedChanges` drops to 0, running `then` in the same tick. */
function whenAllSaved(provider: QuireProvider, then: () => void): Promise<void> {
  return new Promise((resolve) => {
    const listener = (count: number): void => {
      if (count !== 0) return;
      provider.off('unsaved-changes', listener);
      then();
      resolve();
    };
    provider.on('unsaved-changes', listener);
  });
}

describe('saved acknowledgements are honest', () => {
  it('keeps every acknowledged edit when the server is killed the moment the count reaches 0', async () => {
    const dataDir = await createTempDir();
    let server = await startServerProcess({ dataDir });
    const acknowledged = new Map<string, number>();

    for (let round = 0; round < 3; round++) {
      const writer = createNodeProvider({ url: server.url, document: 'honest', minBackoffMs: 20, maxBackoffMs: 200 });
      expect(writer.savedSupported).toBe(false);
      await waitForSynced(writer);
      expect(writer.savedSupported).toBe(true);
      const pending = new Map<string, number>();
      const map = writer.doc.getMap<number>('edits');
      for (let index = 0; index < 40; index++) {
        map.set(`round-${round}-edit-${index}`, index);
        pending.set(`round-${round}-edit-${index}`, index);
      }
      expect(writer.unsavedChanges).toBe(40);
      const killed = whenAllSaved(writer, () => server.child.kill('SIGKILL'));
      await killed;
      await server.stop('SIGKILL');
      for (const [key, value] of pending) acknowledged.set(key, value);

      server = await startServerProcess({ dataDir });
      const reader = createNodeProvider({ url: server.url, document: 'honest' });
      await waitForSynced(reader);
      const stored = reader.doc.getMap<number>('edits');
      for (const [key, value] of acknowledged) expect(stored.get(key), key).toBe(value);
      expect(stored.size).toBe(acknowledged.size);
      destroyNodeProviders();
    }
  });

  it('acknowledges offline edits only after a reconnected server stored them', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const writer = createNodeProvider({ url: server.url, document: 'offline', minBackoffMs: 20, maxBackoffMs: 200 });
    await waitForSynced(writer);
    await server.stop('SIGTERM');
    writer.doc.getText('t').insert(0, 'written while the server was down');
    expect(writer.unsavedChanges).toBe(1);
    const restarted = await startServerProcess({ dataDir, port: server.port });
    await waitForAllSaved(writer);
    await restarted.stop('SIGKILL');

    const again = await startServerProcess({ dataDir });
    const reader = createNodeProvider({ url: again.url, document: 'offline' });
    await waitForSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('written while the server was down');
  });
});

describe('the server side of saved', () => {
  it('does not acknowledge an update it can only hold back as pending', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir() });
    const writer = new Y.Doc();
    const updates: Uint8Array[] = [];
    writer.on('update', (update: Uint8Array) => updates.push(update));
    writer.getText('t').insert(0, 'first');
    writer.getText('t').insert(5, ' second');
    const [first, second] = updates;

    const socket = new WebSocket(`${server.url}/pending`, [QUIRE_SUBPROTOCOL]);
    const received: Message[] = [];
    const firstSaved = new Promise<number>((resolve) => {
      socket.on('message', (data: Buffer) => {
        const result = decodeMessage(new Uint8Array(data));
        if (!result.ok) return;
        received.push(result.message);
        if (result.message.type === 'saved') resolve(result.message.count);
        // The server does not hold an update back as pending: it drops it and asks
        // for a resync. Answering that step 1 is what brings "second" in.
        if (result.message.type === 'sync-step-1' && received.filter((m) => m.type === 'sync-step-1').length === 2) {
          socket.send(encodeSyncStep2(Y.encodeStateAsUpdate(writer, result.message.stateVector))); // 4
        }
      });
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(encodeSyncUpdate(second ?? new Uint8Array())); // 1: builds on "first", which the server lacks
    socket.send(encodeSyncUpdate(Y.encodeStateAsUpdate(new Y.Doc()))); // 2: empty, but "second" is still pending
    socket.send(encodeSyncUpdate(first ?? new Uint8Array())); // 3: now both are integrated and stored
    // Acknowledgements are cumulative and sent in order: an early saved(1), (2) or (3) would come first.
    expect(await firstSaved).toBe(4);
    socket.close();
  });
});
