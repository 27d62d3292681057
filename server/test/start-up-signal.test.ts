import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, SERVER_CLI, startServerProcess } from '@quire/test-utils';

afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

describe('a signal during start-up', () => {
  it('waits for the server to exist, then shuts down as usual and releases the data directory', async () => {
    const dataDir = await createTempDir();
    const child = spawn(process.execPath, [SERVER_CLI, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const messages: string[] = [];
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    for await (const line of createInterface({ input: child.stdout })) {
      if (!line.startsWith('{')) continue;
      const { msg } = JSON.parse(line) as { msg: string };
      messages.push(msg);
      // Storage is open and the warm-up is about to run: the middle of start-up.
      if (msg === 'storage opened') child.kill('SIGTERM');
    }
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(messages).toContain('shutting down');

    const next = await startServerProcess({ dataDir });
    expect(await next.stop('SIGTERM')).toBe(0);
  });
});
