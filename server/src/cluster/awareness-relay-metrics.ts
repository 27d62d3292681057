import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayMessageKind } from './awareness-relay-message.ts';

/** What the awareness relay reports. */
export interface AwarenessRelayMetrics {
  /** A message of this node's went to the bus. */
  sent(kind: RelayMessageKind): void;
  /** Another node's message arrived and was used. */
  received(kind: RelayMessageKind): void;
  /** A message that is not a well-formed relay message, or carries an invalid awareness update, was ignored. */
  malformed(): void;
  /** A message was not sent because Redis is not connected (awareness is ephemeral: nothing is queued). */
  dropped(): void;
  /** A node's heartbeat was found gone and its clients' awareness removed. */
  nodeDeclaredDead(): void;
  /** Whether both Redis connections of the relay are up. */
  setConnected(connected: boolean): void;
}

/** Registers the relay's series on `registry`. */
export function createAwarenessRelayMetrics(registry: Registry): AwarenessRelayMetrics {
  const messages = new Counter({
    name: 'quire_cluster_awareness_messages_total',
    help: 'Awareness messages relayed between nodes over Redis, by direction (in, out) and kind (update, query, answer, leave).',
    labelNames: ['direction', 'kind'],
    registers: [registry],
  });
  const malformed = new Counter({
    name: 'quire_cluster_awareness_malformed_total',
    help: 'Awareness messages from the bus that were ignored because they did not decode or carried an invalid awareness update.',
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'quire_cluster_awareness_dropped_total',
    help: 'Awareness messages not sent because Redis was not connected.',
    registers: [registry],
  });
  const dead = new Counter({
    name: 'quire_cluster_nodes_declared_dead_total',
    help: "Nodes whose heartbeat key expired, whose clients' awareness this node removed.",
    registers: [registry],
  });
  const connected = new Gauge({
    name: 'quire_cluster_awareness_connected',
    help: "1 while the awareness relay's Redis connections are up, 0 while awareness across nodes is paused.",
    registers: [registry],
  });
  connected.set(0);
  return {
    sent: (kind) => messages.inc({ direction: 'out', kind }),
    received: (kind) => messages.inc({ direction: 'in', kind }),
    malformed: () => malformed.inc(),
    dropped: () => dropped.inc(),
    nodeDeclaredDead: () => dead.inc(),
    setConnected: (isConnected) => connected.set(isConnected ? 1 : 0),
  };
}
