import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { ProviderStatus } from '../src/index.ts';
import { createCountingWebSockets } from './helpers/counting-websocket.ts';
import {
  createNodeProvider,
  destroyNodeProviders,
  nextClose,
  waitForAllSaved,
  waitForConvergence,
  waitForSynced,
} from './helpers/node-provider.ts';

afterEach(async () => {
  destroyNodeProviders();
  await killServerProcesses();
  await removeTempDirs();
});

/** About 200 kB of text in 2,000 separate insertions, so the document has real structure. */
function writeLargeDocument(doc: Y.Doc): void {
  const text = doc.getText('t');
  doc.transact(() => {
    for (let line = 0; line < 2_000; line++) {
      text.insert(Math.floor(text.length / 2), `line ${line.toString().padStart(4, '0')} ${'lorem ipsum '.repeat(8)}\n`);
    }
  });
}

describe('a server stopped and restarted mid-session', () => {
  it('is rejoined by itself; offline edits reach the others; the resume moves only the missing diff', async () => {
    const dataDir = await createTempDir();
    const first = await startServerProcess({ dataDir });
    const counting = createCountingWebSockets();
    const options = { url: first.url, document: 'resume', minBackoffMs: 50, maxBackoffMs: 500 };
    const a = createNodeProvider({ ...options, WebSocketPolyfill: counting.WebSocket });
    const b = createNodeProvider(options);
    await waitForSynced(a, b);
    writeLargeDocument(a.doc);
    a.awareness.setLocalStateField('user', 'Ada');
    await waitForAllSaved(a);
    await waitForConvergence([a.doc, b.doc]);
    await vi.waitFor(() => expect(b.awareness.getStates().get(a.awareness.clientID)).toEqual({ user: 'Ada' }));

    const statuses: ProviderStatus[] = [];
    a.on('status', ({ status }) => statuses.push(status));
    const closes = [nextClose(a), nextClose(b)];
    expect(await first.stop('SIGTERM')).toBe(0);
    const [closeA] = await Promise.all(closes);
    expect(closeA).toMatchObject({ cause: 'remote', code: 1001 });
    // Peers' awareness goes with the connection; it has to be announced again.
    expect(b.awareness.getStates().has(a.awareness.clientID)).toBe(false);

    a.doc.getText('t').insert(0, 'offline edit by A\n');
    b.doc.getText('t').insert(b.doc.getText('t').length, 'offline edit by B\n');
    expect(a.unsavedChanges).toBe(1);
    const socketsBeforeRestart = counting.sockets.length;

    await startServerProcess({ dataDir, port: first.port });
    await waitForConvergence([a.doc, b.doc]);
    await waitForAllSaved(a);
    expect(a.doc.getText('t').toString()).toContain('offline edit by B');
    expect(b.doc.getText('t').toString()).toContain('offline edit by A');
    expect(a.status).toBe('connected');
    expect(statuses[0]).toBe('connecting');
    expect(statuses.at(-1)).toBe('connected');
    await vi.waitFor(() => expect(b.awareness.getStates().get(a.awareness.clientID)).toEqual({ user: 'Ada' }));

    const resumed = counting.sockets.slice(socketsBeforeRestart);
    const sent = resumed.reduce((total, record) => total + record.sent, 0);
    const received = resumed.reduce((total, record) => total + record.received, 0);
    const documentBytes = Y.encodeStateAsUpdate(a.doc).byteLength;
    expect(documentBytes).toBeGreaterThan(200_000);
    // A state vector, a diff of one edit each way, awareness and a few pings: well under 1 %.
    expect(sent).toBeLessThan(documentBytes / 100);
    expect(received).toBeLessThan(documentBytes / 100);
  });
});
