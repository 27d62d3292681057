import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The built CLI; the root `pnpm test` runs `tsc -b` before the tests. */
export const SERVER_CLI = fileURLToPath(new URL('../../../server/dist/cli.js', import.meta.url));

/** A Node program to run as a server. */
export interface NodeCommand {
  /** What follows `node`: Node's own flags if any, then the script and its arguments. */
  readonly args: readonly string[];
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A server running as a child process, whichever way it was started. */
export interface ChildServer {
  readonly pid: number;
  readonly port: number;
  readonly child: ChildProcess;
  /**
   * Sends `signal` (then SIGKILL after `graceMs`, when given) and resolves
   * with the exit code (null when killed by a signal).
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

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

/** `quire-server` as a child process. */
export interface ServerProcess extends ChildServer {
  readonly url: string;
  readonly httpUrl: string;
  /** Every JSON log line the server wrote so far. */
  readonly logs: LogLine[];
}

// What a failed start reports of the child's stderr: its end, where the error is.
const STDERR_TAIL_CHARS = 16_000;

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

interface Spawned {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<number | null>;
  /** The end of what the child wrote to stderr so far. */
  readonly stderr: () => string;
}

// What makes a server choose shared services (PostgreSQL, Redis) and a node
// identity: a child gets them only from its caller's `env`, never from the
// test run's own environment.
const NOT_INHERITED = ['DATABASE_URL', 'REDIS_URL', 'QUIRE_NODE_ID'];

/** The environment of a child server: this process's, less NOT_INHERITED, plus `env`. */
export function childEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  for (const name of NOT_INHERITED) delete inherited[name];
  return { ...inherited, ...env };
}

/** Starts `node <args>`, tracked for killServerProcesses. stdout is piped only for a caller that reads it. */
function spawnNode(command: NodeCommand, stdout: 'pipe' | 'ignore'): Spawned {
  const child = spawn(process.execPath, [...command.args], {
    stdio: ['ignore', stdout, 'pipe'],
    env: childEnv(command.env),
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs?: number): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (graceMs !== undefined) {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(timer));
      }
    }
    return exited;
  };
  return { child, exited, stop, stderr: () => stderr };
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('server has no pid');
  return child.pid;
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
  const { child, exited, stop, stderr } = spawnNode({ args, ...(options.env === undefined ? {} : { env: options.env }) }, 'pipe');
  const logs: LogLine[] = [];
  const { stdout } = child;
  if (stdout === null) throw new Error('server has no stdout');

  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
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
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${stderr()}`)));
  });

  return {
    pid: pidOf(child),
    port,
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    child,
    logs,
    stop,
  };
}

/** A port that was free a moment ago (the OS picks it; the race is harmless on loopback). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const LISTEN_TIMEOUT_MS = 30_000;

/**
 * Starts any Node server (Quire or another, such as the benchmark's peers)
 * and resolves once it accepts TCP connections on `port` of 127.0.0.1. Its
 * stdout is not read, so a server that logs a lot costs this process nothing.
 */
export async function startListeningProcess(command: NodeCommand, port: number): Promise<ChildServer> {
  const { child, stop, stderr } = spawnNode(command, 'ignore');
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited before listening: ${command.args.join(' ')}\n${stderr()}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not listen on ${port} within ${LISTEN_TIMEOUT_MS} ms\n${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { pid: pidOf(child), port, child, stop };
}
