import { join } from 'node:path';
import { createHocuspocusWire } from './hocuspocus-wire.ts';
import { PEERS_DIR, QUIRE_CLI, QUIRE_LOAD_LIMITS, TARGETS, type NodeCount, type Target } from './targets.ts';
import { createYWebsocketWire } from './y-websocket-wire.ts';

export const NODE_COUNTS: readonly NodeCount[] = [1, 2, 3];

const nodeName = (index: number): string => `bench-node-${index + 1}`;

/** Quire on `nodes` processes: PostgreSQL is the truth, Redis Streams the bus. */
const quireCluster = (nodes: NodeCount): Target => ({
  id: `quire-cluster-${nodes}`,
  label: `Quire ×${nodes} (PostgreSQL + Redis)`,
  persistent: true,
  holdsState: true,
  needsPeers: false,
  acknowledges: true,
  nodes,
  createWire: () => createYWebsocketWire({ subprotocols: ['quire.v1'] }),
  command: (port, dataDir, node) => {
    if (node === undefined) throw new Error('a cluster target needs its node');
    return {
      args: [
        QUIRE_CLI,
        '--host', '127.0.0.1',
        '--port', String(port),
        '--data-dir', dataDir,
        '--database-url', node.databaseUrl,
        '--redis-url', node.redisUrl,
        '--node-id', nodeName(node.index),
        '--log-level', 'info',
        ...QUIRE_LOAD_LIMITS,
      ],
    };
  },
});

/**
 * Hocuspocus on `nodes` instances linked by its Redis extension, storing
 * through its Database extension in the same PostgreSQL as Quire: instances
 * of one cluster must share their store (an SQLite file per instance would
 * give each its own truth), and the same database server keeps storage out
 * of the comparison. Default debounce (2 s), as the SQLite peer.
 */
const hocuspocusRedis = (nodes: NodeCount): Target => ({
  id: `hocuspocus-redis-${nodes}`,
  label: `Hocuspocus + Redis ×${nodes} (PostgreSQL)`,
  persistent: true,
  holdsState: true,
  needsPeers: true,
  acknowledges: false,
  nodes,
  createWire: createHocuspocusWire,
  command: (port, _dataDir, node) => {
    if (node === undefined) throw new Error('a cluster target needs its node');
    return {
      args: [join(PEERS_DIR, 'hocuspocus.mjs')],
      env: {
        PORT: String(port),
        HOCUSPOCUS_POSTGRES: node.databaseUrl,
        HOCUSPOCUS_REDIS: node.redisUrl,
        HOCUSPOCUS_NODE_ID: nodeName(node.index),
      },
      cwd: PEERS_DIR,
    };
  },
});

/**
 * Quire and Hocuspocus + Redis on 1, 2 and 3 nodes, in pairs, so that each
 * Quire cluster is measured right beside the Hocuspocus one of its size.
 * Not in the default run (`pnpm bench --cluster`).
 */
export const CLUSTER_TARGETS: readonly Target[] = NODE_COUNTS.flatMap((nodes) => [quireCluster(nodes), hocuspocusRedis(nodes)]);

export const ALL_TARGETS: readonly Target[] = [...TARGETS, ...CLUSTER_TARGETS];
