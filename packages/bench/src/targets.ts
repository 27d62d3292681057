import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { NodeCommand } from '@quire/test-utils';
import { createHocuspocusWire } from './hocuspocus-wire.ts';
import type { WireAdapter } from './wire-adapter.ts';
import { createYWebsocketWire } from './y-websocket-wire.ts';

export type TargetId =
  | 'quire'
  | 'y-websocket'
  | 'y-websocket-leveldb'
  | 'hocuspocus'
  | 'hocuspocus-sqlite'
  | 'relay';

/** A server the benchmark measures. */
export interface Target {
  readonly id: TargetId;
  readonly label: string;
  /** Writes documents to disk. */
  readonly persistent: boolean;
  /** Holds document state (the relay only forwards bytes). */
  readonly holdsState: boolean;
  /** Runs from the separately installed peers directory. */
  readonly needsPeers: boolean;
  /** Sends durable "saved" acknowledgements (Quire's quire.v1 extension). */
  readonly acknowledges: boolean;
  createWire(): WireAdapter;
  command(port: number, dataDir: string): NodeCommand;
}

/** The repository root, from src/ (tests) or dist/ (the CLI) alike. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PEERS_DIR = join(REPOSITORY_ROOT, 'packages/bench/peers');
const QUIRE_CLI = join(REPOSITORY_ROOT, 'server/dist/cli.js');
const RELAY_MAIN = join(REPOSITORY_ROOT, 'packages/bench/dist/relay-main.js');

/**
 * The load generator is one IP sending for hundreds of users, and S4 has one
 * client write 20,000 updates in seconds: the per-IP and per-connection rate
 * limits (which no peer has) are raised out of the way. Every validation and
 * size limit stays on.
 */
const QUIRE_LOAD_LIMITS = [
  '--max-connections-per-ip', '100000',
  '--max-connections', '100000',
  '--messages-per-second', '1000000',
  '--message-burst', '1000000',
  '--bytes-per-second', '1000000000',
  '--byte-burst', '1000000000',
];

const yWebsocketServer = (persistent: boolean): Target => ({
  id: persistent ? 'y-websocket-leveldb' : 'y-websocket',
  label: persistent ? 'y-websocket + LevelDB' : 'y-websocket (memory)',
  persistent,
  holdsState: true,
  needsPeers: true,
  acknowledges: false,
  createWire: () => createYWebsocketWire(),
  command: (port, dataDir) => ({
    args: [join(PEERS_DIR, 'y-websocket-server.mjs')],
    env: { HOST: '127.0.0.1', PORT: String(port), ...(persistent ? { YPERSISTENCE: dataDir } : {}) },
    cwd: PEERS_DIR,
  }),
});

const hocuspocus = (persistent: boolean): Target => ({
  id: persistent ? 'hocuspocus-sqlite' : 'hocuspocus',
  label: persistent ? 'Hocuspocus + SQLite' : 'Hocuspocus (memory)',
  persistent,
  holdsState: true,
  needsPeers: true,
  acknowledges: false,
  createWire: createHocuspocusWire,
  command: (port, dataDir) => ({
    args: [join(PEERS_DIR, 'hocuspocus.mjs')],
    env: { PORT: String(port), ...(persistent ? { HOCUSPOCUS_SQLITE: join(dataDir, 'documents.sqlite') } : {}) },
    cwd: PEERS_DIR,
  }),
});

export const TARGETS: readonly Target[] = [
  {
    id: 'quire',
    label: 'Quire (LevelDB, saved acks)',
    persistent: true,
    holdsState: true,
    needsPeers: false,
    acknowledges: true,
    // quire.v1 turns on the durable "saved" acknowledgements.
    createWire: () => createYWebsocketWire({ subprotocols: ['quire.v1'] }),
    command: (port, dataDir) => ({
      args: [QUIRE_CLI, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'info', ...QUIRE_LOAD_LIMITS],
    }),
  },
  yWebsocketServer(false),
  yWebsocketServer(true),
  hocuspocus(false),
  hocuspocus(true),
  {
    id: 'relay',
    label: 'bare ws relay (floor)',
    persistent: false,
    holdsState: false,
    needsPeers: false,
    acknowledges: false,
    createWire: () => createYWebsocketWire({ stateless: true }),
    command: (port) => ({ args: [RELAY_MAIN], env: { PORT: String(port) } }),
  },
];
