import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';

export interface ServerCommand {
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** A target server running as a child process of the benchmark. */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** Sends SIGTERM (SIGKILL after `graceMs`) and resolves once the process exited. */
  stop(graceMs?: number): Promise<void>;
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

const START_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();

/** Starts `node <args>` and resolves once it accepts TCP connections on `port`. */
export async function startServer(command: ServerCommand, port: number): Promise<RunningServer> {
  // Node flags for the servers only, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=profiles'.
  const nodeArgs = process.env['BENCH_SERVER_NODE_ARGS']?.split(' ').filter((arg) => arg !== '') ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...command.args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...command.env },
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, 'exit').then(() => {
    live.delete(child);
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited before listening: ${command.args.join(' ')}\n${stderr}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not listen on ${port} within ${START_TIMEOUT_MS} ms\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (child.pid === undefined) throw new Error('server has no pid');
  const pid = child.pid;
  return {
    pid,
    port,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills every server this module started that still runs (used on failure paths). */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}
