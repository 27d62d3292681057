import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_POLICY_VIOLATION, CLOSE_TRY_AGAIN_LATER, encodeSyncUpdate } from '@quire/protocol';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess, type ServerProcess } from '@quire/test-utils';
import { openRaw, readText, textUpdate } from '../hostile/harness.ts';
import type { RawClient } from '../helpers/raw-client.ts';
import { TEST_SECRET, writeAll } from './helpers/tokens.ts';

// A connection that answers pings is live: whatever the server does about
// stale sockets (the ownership probe), nobody may write under its client ID.
// The keep-alive sweep is off, so every ping the owner gets is a probe.

afterEach(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

const ANSWERED = 'client-ID owner answered the liveness probe';
const DROPPED = 'client-ID owner did not answer the liveness probe; socket dropped';

/** The owner writes `text` under its own client ID and waits until it is stored (and so owned). */
async function ownerWrites(owner: RawClient, doc: Y.Doc, text: string, saved: number): Promise<void> {
  owner.send(encodeSyncUpdate(textUpdate(text, doc)));
  expect((await owner.next('saved')).count).toBe(saved);
}

/** Structs under `victim`'s client ID past what the server holds: what a hijacker would send. */
function impersonation(victim: Y.Doc): Uint8Array {
  const forged = new Y.Doc();
  Y.applyUpdate(forged, Y.encodeStateAsUpdate(victim));
  // Set after the victim's history is in: Yjs moves a document off an ID it receives from elsewhere.
  forged.clientID = victim.clientID;
  const update = textUpdate(' forged', forged);
  expect([...Y.parseUpdateMeta(update).to.keys()]).toEqual([victim.clientID]);
  return update;
}

/** How the server ended a connection: close code and the quire.v1 error reason before it. */
async function refusal(client: RawClient): Promise<{ code: number; reason: string | undefined }> {
  const { code } = await client.closed;
  const error = client.received.find((message) => message.type === 'error');
  return { code, reason: error?.type === 'error' ? error.reason : undefined };
}

function logged(server: ServerProcess, msg: string): number {
  return server.logs.filter((line) => line.msg === msg).length;
}

describe('client-ID ownership against a live owner', () => {
  it('without authentication: the contender is turned away (1013) every time; the owner answers the probe and keeps its ID', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--keep-alive-ms', '0'] });
    const owner = await openRaw(server.url, 'contested', { token: null, extensions: true });
    const pings: number[] = [];
    owner.socket.on('ping', () => pings.push(Date.now()));
    const ownerDoc = new Y.Doc();
    await ownerWrites(owner, ownerDoc, 'mine', 1);

    for (let attempt = 1; attempt <= 2; attempt++) {
      const contender = await openRaw(server.url, 'contested', { token: null, extensions: true });
      contender.send(encodeSyncUpdate(impersonation(ownerDoc)));
      expect(await refusal(contender)).toEqual({ code: CLOSE_TRY_AGAIN_LATER.code, reason: 'ERR_CLIENT_ID_IN_USE' });
      // The owner was pinged, answered (ws answers pings by itself), and stays.
      await vi.waitFor(() => expect(logged(server, ANSWERED)).toBe(attempt), { timeout: 10_000 });
      expect(pings).toHaveLength(attempt);
    }

    await ownerWrites(owner, ownerDoc, ' and more', 2);
    expect(await readText(server.url, 'contested')).toBe('mine and more');
    expect(logged(server, DROPPED)).toBe(0);
    owner.close();
    await owner.closed;
  });

  it('with JWT: another subject is refused for good (1008) and the owner is not even probed', async () => {
    const server = await startServerProcess({
      dataDir: await createTempDir(),
      args: ['--keep-alive-ms', '0'],
      env: { QUIRE_JWT_SECRET: TEST_SECRET },
    });
    const owner = await openRaw(server.url, 'contested', { token: writeAll('alice'), extensions: true });
    const pings: number[] = [];
    owner.socket.on('ping', () => pings.push(Date.now()));
    const ownerDoc = new Y.Doc();
    await ownerWrites(owner, ownerDoc, 'mine', 1);

    const contender = await openRaw(server.url, 'contested', { token: writeAll('mallory'), extensions: true });
    contender.send(encodeSyncUpdate(impersonation(ownerDoc)));
    expect(await refusal(contender)).toEqual({ code: CLOSE_POLICY_VIOLATION.code, reason: 'ERR_UPDATE_FOREIGN_CLIENT' });

    await ownerWrites(owner, ownerDoc, ' and more', 2);
    expect(await readText(server.url, 'contested')).toBe('mine and more');
    expect(pings).toEqual([]);
    expect(logged(server, ANSWERED) + logged(server, DROPPED)).toBe(0);
    owner.close();
    await owner.closed;
  });
});
