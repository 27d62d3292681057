import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The built CLI; the root `pnpm test` runs `tsc -b` before the tests. */
export const SERVER_CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url));

export interface ServerProcessOptions {
  readonly dataDir: string;
  /** Fixed port; 0 (default) lets the OS pick one. */
  readonly port?: number;
  /** Extra CLI flags, e.g. ['--room-idle-ms', '100']. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** Every JSON log line the server wrote so far. */
  readonly logs: LogLine[];
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const live = new Set<ChildProcess>();

/** Kills every server process this module started that is still running. */
export async function killServerProcesses(): Promise<void> {
  const children = [...live];
  live.clear();
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }),
  );
}

/**
 * Starts `quire-server` as a child process on 127.0.0.1 and resolves once it
 * logged that it listens (the log line carries the port it got).
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [
    SERVER_CLI,
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port ?? 0),
    '--data-dir',
    options.dataDir,
    '--log-level',
    'info',
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  live.add(child);
  const logs: LogLine[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'quire sync server listening') resolve(entry['port'] as number);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${stderr}`)));
  });

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    child,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
