import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

// Every child runs in its own process group (detached), so that stopping it
// reaches what it started too: `npx` runs the command as its own child, and
// killing only npm's PID would leave the server running. Groups are killed
// by the PID of the process this module spawned, never by name.

/** Each running child, with a promise of its `close`: it and every process holding its output pipes are gone. */
const live = new Map<ChildProcess, Promise<number | null>>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Spawns `command` as the leader of a new process group, tracked until it closes. */
function spawnTracked(
  command: string,
  args: readonly string[],
  options: RunOptions,
): { child: ChildProcessByStdio<null, Readable, Readable>; closed: Promise<number | null> } {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  live.set(child, closed);
  return { child, closed };
}

/** SIGKILLs every process group this module started that is still running, and waits until they are gone. */
export async function killChildren(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(async ([child, closed]) => {
      killGroup(child, 'SIGKILL');
      await closed;
    }),
  );
}

/**
 * The environment of the installed project's commands: this process's,
 * without what pnpm and Vitest put there for the workspace (npm_* settings,
 * the workspace's node_modules/.bin on PATH, NODE_ENV=test), so npm, npx and
 * Vite behave as in an app's own shell.
 */
export function consumerEnv(workspaceRoot: string): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|vitest)/iu.test(key) && !keep.has(key.toLowerCase())) continue;
    if (key === 'NODE_ENV' || key === 'TEST') continue;
    env[key] = value;
  }
  env['PATH'] = (process.env['PATH'] ?? '')
    .split(':')
    .filter((entry) => entry !== '' && !entry.startsWith(workspaceRoot))
    .join(':');
  env['npm_config_update_notifier'] = 'false';
  env['npm_config_fund'] = 'false';
  env['npm_config_audit'] = 'false';
  return env;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end; rejects, with its output, when it fails or outlasts `timeoutMs` (then it is killed). */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const { child } = spawnTracked(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const line = `${command} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${line}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Math.round(performance.now() - started);
      if (code === 0 && !timedOut) resolve({ stdout, stderr, ms });
      else {
        const why = timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${code ?? signal}`;
        reject(new Error(`${line} ${why} (in ${options.cwd})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      }
    });
  });
}

/** The last line of a command's output, parsed as JSON: what the fixture scripts print. */
export function lastJsonLine(output: string): unknown {
  const lines = output.trim().split('\n');
  return JSON.parse(lines.at(-1) ?? '');
}

export interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CliServer {
  readonly port: number;
  readonly url: string;
  readonly httpUrl: string;
  /** Every JSON line the server logged so far. */
  readonly logs: LogLine[];
  /** SIGTERM to the process group (npx and the server); resolves once both are gone (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `npx quire-server` in the installed project and resolves once it
 * logs that it listens (with the port the OS gave it: `--port 0`, so no
 * other process can take the port between choosing and binding it).
 */
export function startCliServer(args: readonly string[], options: RunOptions): Promise<CliServer> {
  const { child, closed } = spawnTracked('npx', ['--no-install', 'quire-server', '--host', '127.0.0.1', '--port', '0', ...args], options);
  const logs: LogLine[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`quire-server did not log that it listens within ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs);
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`quire-server exited with ${code} before listening\n${stderr}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg !== 'quire sync server listening') return;
      clearTimeout(timer);
      const port = entry['port'] as number;
      resolve({
        port,
        url: `ws://127.0.0.1:${port}`,
        httpUrl: `http://127.0.0.1:${port}`,
        logs,
        async stop(timeoutMs = 15_000) {
          killGroup(child, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
          await closed;
          clearTimeout(timer);
        },
      });
    });
  });
}
