import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL_ERROR, encodeSyncUpdate } from '@quire/protocol';
import { openLevelBackend } from '@quire/storage-level';
import { killServerProcesses, removeTempDirs, SERVER_CLI } from '@quire/test-utils';
import { RawClient } from '../helpers/raw-client.ts';
import { writeAll } from '../security/helpers/tokens.ts';
import {
  assertServedAndIntact,
  destroyStockClients,
  Harness,
  openRaw,
  readText,
  textUpdate,
  writeStored,
} from './harness.ts';

// Rows 33, 35, 36, 39, 41: storage faults and crashes against the real
// process and a real LevelDB directory. Rows 32 and 34 need a store that
// fails on demand and run in-process (storage-faults.test.ts).

let harness: Harness;

/** Runs the server's CLI to completion, as an operator would. */
async function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SERVER_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The server's fatal log line, from its JSON log on stdout. */
function fatalLine(stdout: string): { level: number; msg: string; code?: string } | undefined {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string })
    .find((line) => line.level === 60);
}

const stored: Record<string, string> = { witness: 'stored before the faults' };

beforeAll(async () => {
  harness = await Harness.start(['--room-idle-ms', '0']);
  await writeStored(harness.url, 'witness', stored['witness']!);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

describe('storage faults (rows 33, 35, 36, 39, 41)', () => {
  it('row 33: a corrupt record makes that document unavailable (1011), never rewritten; others are fine; the repair command restores what can be read', async () => {
    const author = new Y.Doc();
    const writer = await openRaw(harness.url, 'row-33', { extensions: true });
    writer.send(encodeSyncUpdate(textUpdate('before the corruption', author)));
    expect((await writer.next('saved')).count).toBe(1);
    writer.close();
    await writer.closed;
    expect(await harness.server.stop('SIGTERM')).toBe(0);
    // A damaged entry, then a sound one that builds on what came before it.
    const backend = await openLevelBackend({ path: harness.dataDir });
    await backend.appendEntries([{ docName: 'row-33', update: new Uint8Array([0xff, 0xfe, 0x01, 0x02]) }]);
    await backend.appendEntries([{ docName: 'row-33', update: textUpdate(' and after it', author) }]);
    await backend.close();
    await harness.relaunch();

    for (let attempt = 0; attempt < 3; attempt++) {
      const client = new RawClient(`${harness.url}/row-33?token=${encodeURIComponent(writeAll())}`);
      await client.opened;
      client.send(encodeSyncUpdate(textUpdate('would overwrite')));
      const closed = await client.closed;
      expect(closed.code).toBe(CLOSE_INTERNAL_ERROR.code);
      expect(client.received.some((message) => message.type === 'sync-step-1')).toBe(false);
    }
    await vi.waitFor(() =>
      expect(harness.server.logs.some((line) => line.level >= 50 && line['docName'] === 'row-33')).toBe(true),
    );
    // The storage commands refuse a directory the server holds, and leave the server alone.
    const locked = await runCli(['repair', 'row-33', '--data-dir', harness.dataDir]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/stop the server first/);
    await assertServedAndIntact(harness, stored);

    // Still corrupt on disk: nothing was written over it.
    expect(await harness.server.stop('SIGTERM')).toBe(0);
    const checked = await runCli(['check', '--data-dir', harness.dataDir]);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toMatch(/^UNREADABLE row-33: /m);
    expect(checked.stdout).toMatch(/^ok +witness /m);

    const dryRun = await runCli(['repair', 'row-33', '--data-dir', harness.dataDir, '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/left out entry \d+ \(4 bytes\)/);
    expect(dryRun.stdout).toMatch(/dry run: nothing written/);
    expect((await runCli(['check', '--data-dir', harness.dataDir])).code).toBe(2);

    const repaired = await runCli(['repair', 'row-33', '--data-dir', harness.dataDir]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/left out entry \d+ \(4 bytes\)/);
    expect(repaired.stdout).toMatch(/log replaced by the rebuilt document/);
    expect((await runCli(['check', '--data-dir', harness.dataDir])).code).toBe(0);

    await harness.relaunch();
    expect(await readText(harness.url, 'row-33')).toBe('before the corruption and after it');
    await writeStored(harness.url, 'row-33', ' written again');
    expect(await readText(harness.url, 'row-33')).toContain(' written again');
    await assertServedAndIntact(harness, stored);
  });

  it('a data directory that lost its CURRENT file stops the server at start-up instead of being emptied; repair-storage brings it back', async () => {
    await writeStored(harness.url, 'lost-current', 'kept through the repair');
    const expected = { ...stored, 'lost-current': 'kept through the repair' };
    // A restart moves LevelDB's log into tables, the files an empty start would delete.
    await harness.restart();
    expect(await harness.server.stop('SIGTERM')).toBe(0);
    await rm(join(harness.dataDir, 'CURRENT'));
    const tablesBefore = (await readdir(harness.dataDir)).filter((name) => name.endsWith('.ldb'));
    expect(tablesBefore.length).toBeGreaterThan(0);

    const refused = await runCli(['--host', '127.0.0.1', '--port', '0', '--data-dir', harness.dataDir]);
    expect(refused.code).toBe(1);
    const fatal = fatalLine(refused.stdout);
    expect(fatal?.code).toBe('ERR_STORAGE_CORRUPT');
    expect(fatal?.msg).toMatch(/no CURRENT file.*repair-storage/);
    expect((await readdir(harness.dataDir)).filter((name) => name.endsWith('.ldb'))).toEqual(tablesBefore);

    const repaired = await runCli(['repair-storage', '--data-dir', harness.dataDir]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('repaired the storage');
    expect(repaired.stdout).toMatch(/^ok +lost-current /m);
    expect(repaired.stdout).toMatch(/: 0 cannot be read$/m);

    await harness.relaunch();
    await assertServedAndIntact(harness, expected);
  });

  it('row 35: a second process on the same data directory exits non-zero with a clear log line; the first is unaffected', async () => {
    const second = await runCli(['--host', '127.0.0.1', '--port', '0', '--data-dir', harness.dataDir]);
    expect(second.code).toBe(1);
    const fatal = fatalLine(second.stdout);
    expect(fatal?.code).toBe('ERR_STORAGE_LOCKED');
    expect(fatal?.msg).toMatch(/cannot open storage: .*locked/);
    expect(second.stderr).toMatch(/locked/);
    await assertServedAndIntact(harness, stored);
  });

  it('row 36: kill -9 during continuous edits keeps every acknowledged edit, once', async () => {
    const client = await openRaw(harness.url, 'row-36', { extensions: true });
    const doc = new Y.Doc();
    let sent = 0;
    const pump = setInterval(() => {
      if (client.socket.readyState !== client.socket.OPEN) return;
      for (let burst = 0; burst < 5; burst++) client.send(encodeSyncUpdate(textUpdate(`<${sent++}>`, doc)));
    }, 5);
    await vi.waitFor(() => expect(client.received.filter((m) => m.type === 'saved').length).toBeGreaterThan(20));
    await harness.server.stop('SIGKILL');
    clearInterval(pump);
    const acknowledged = Math.max(...client.received.map((m) => (m.type === 'saved' ? m.count : 0)));
    await harness.relaunch();
    const text = await readText(harness.url, 'row-36');
    for (let index = 0; index < acknowledged; index++) {
      expect(text.split(`<${index}>`), `edit ${index} of ${acknowledged} acknowledged`).toHaveLength(2);
    }
    stored['row-36'] = text;
    await assertServedAndIntact(harness, stored);
  });

  it('row 39: a client joining right after the last one left (store in flight) sees the latest edits', async () => {
    let expected = '';
    for (let round = 0; round < 20; round++) {
      const writer = await openRaw(harness.url, 'row-39');
      writer.send(encodeSyncUpdate(textUpdate(`[${round}]`)));
      writer.close();
      await writer.closed;
      expected = await readText(harness.url, 'row-39');
      expect(expected.split('[').length - 1, `round ${round}`).toBe(round + 1);
    }
    stored['row-39'] = expected;
    await assertServedAndIntact(harness, stored);
  });

  it('row 41: SIGTERM with pending stores flushes them all and closes clients with 1001', async () => {
    const writer = await openRaw(harness.url, 'row-41');
    const observer = await openRaw(harness.url, 'row-41');
    const doc = new Y.Doc();
    for (let index = 0; index < 50; index++) writer.send(encodeSyncUpdate(textUpdate(`(${index})`, doc)));
    // Once the observer holds all 50, the server applied them; their stores may still be pending.
    await vi.waitFor(() => {
      const replica = new Y.Doc();
      for (const message of observer.received) if (message.type === 'sync-update') Y.applyUpdate(replica, message.update);
      expect(replica.getText('text').toString()).toBe(doc.getText('text').toString());
    });
    expect(await harness.server.stop('SIGTERM')).toBe(0);
    expect((await writer.closed).code).toBe(CLOSE_GOING_AWAY.code);
    expect((await observer.closed).code).toBe(CLOSE_GOING_AWAY.code);
    await harness.relaunch();
    stored['row-41'] = doc.getText('text').toString();
    expect(await readText(harness.url, 'row-41')).toBe(stored['row-41']);
    await assertServedAndIntact(harness, stored);
  });
});

