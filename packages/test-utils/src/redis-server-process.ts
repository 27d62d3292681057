import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './server-process.ts';

/** A `redis-server` of a test's own, on a free port of 127.0.0.1, without persistence. */
export interface RedisServerProcess {
  readonly url: string;
  readonly port: number;
  /** The running server's process id (a new one after restart). */
  readonly pid: number;
  /** Stops this server (by its PID) and removes its directory. */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port, empty: what a Redis outage looks like. */
  restart(): Promise<void>;
  /** Empties this server (never the machine's shared one). */
  flushAll(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;

// One set per process, not per module instance: a test runner that loads
// this module afresh for every test file in the same process must not add
// an exit listener each time.
const LIVE_KEY = Symbol.for('quire.test-utils.live-redis-servers');
const processWithServers = process as NodeJS.Process & { [LIVE_KEY]?: Set<ChildProcess> };

// A test that forgot stop() must not leave a server behind when its process ends.
function liveServers(): Set<ChildProcess> {
  let servers = processWithServers[LIVE_KEY];
  if (servers === undefined) {
    const created = new Set<ChildProcess>();
    servers = processWithServers[LIVE_KEY] = created;
    process.once('exit', () => {
      for (const child of created) child.kill('SIGKILL');
    });
  }
  return servers;
}

/** Sends one inline command and resolves with the first reply line, or rejects. */
function sendCommand(port: number, command: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on ${port} did not answer ${command}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply.slice(0, end));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function waitUntilReady(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited before accepting connections:\n${output()}`);
    }
    const answer = await sendCommand(port, 'PING').catch(() => undefined);
    if (answer === '+PONG') return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on ${port} within ${START_TIMEOUT_MS} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const live = liveServers();
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const failed = once(child, 'error').then(([error]) => {
    throw error as Error;
  });
  await Promise.race([waitUntilReady(port, child, () => output), failed]);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 with its own directory,
 * no snapshots and no append-only file. It is stopped by its PID, never by
 * name, and killed when the test process exits if still running.
 */
export async function startRedisServer(): Promise<RedisServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'quire-redis-'));
  const port = await findFreePort();
  let child = await spawnRedis(port, dir);

  const pidOf = (current: ChildProcess): number => {
    if (current.pid === undefined) throw new Error('redis-server has no pid');
    return current.pid;
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return pidOf(child);
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(child);
      // After stop() the directory is gone; a restart brings it back.
      await mkdir(dir, { recursive: true });
      child = await spawnRedis(port, dir);
    },
    async flushAll() {
      const answer = await sendCommand(port, 'FLUSHALL');
      if (answer !== '+OK') throw new Error(`FLUSHALL on ${port} answered ${answer}`);
    },
  };
}
