import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { NodeCommand } from '@quire/test-utils';
import { createHocuspocusWire } from './hocuspocus-wire.ts';
import type { WireAdapter } from './wire-adapter.ts';
import { createYWebsocketWire } from './y-websocket-wire.ts';

/** How many server processes a cluster target runs. */
export type NodeCount = 1 | 2 | 3;

export type ClusterTargetId = `quire-cluster-${NodeCount}` | `hocuspocus-redis-${NodeCount}`;

export type TargetId =
  | 'quire'
  | 'y-websocket'
  | 'y-websocket-leveldb'
  | 'hocuspocus'
  | 'hocuspocus-sqlite'
  | 'relay'
  | ClusterTargetId;

/** What one process of a cluster target is started with. */
export interface ClusterNode {
  /** 0 for the first node; the node's name is derived from it. */
  readonly index: number;
  /** A PostgreSQL database of this run's own. */
  readonly databaseUrl: string;
  /** A redis-server of this run's own. */
  readonly redisUrl: string;
}

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
  /**
   * Server processes sharing PostgreSQL and Redis (cluster targets), or
   * undefined for a single process with storage of its own.
   */
  readonly nodes?: NodeCount;
  createWire(): WireAdapter;
  /** `node` is given for cluster targets only. */
  command(port: number, dataDir: string, node?: ClusterNode): NodeCommand;
}

/** The repository root, from src/ (tests) or dist/ (the CLI) alike. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PEERS_DIR = join(REPOSITORY_ROOT, 'packages/bench/peers');
export const QUIRE_CLI = join(REPOSITORY_ROOT, 'server/dist/cli.js');
const RELAY_MAIN = join(REPOSITORY_ROOT, 'packages/bench/dist/relay-main.js');

/**
 * The load generator is one IP sending for hundreds of users, and S4 has one
 * client write 20,000 updates in seconds: the per-IP and per-connection rate
 * limits (which no peer has) are raised out of the way. Every validation and
 * size limit stays on.
 */
export const QUIRE_LOAD_LIMITS = [
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

/** The single-process targets: what `pnpm bench` measures unless told otherwise. */
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
