import type * as Y from 'yjs';
import type * as awarenessProtocol from 'y-protocols/awareness';
import type { DocumentStore } from '@quire/storage';
import { resolveUpdateLimits } from '@quire/yjs-update';
import type { Logger } from '../logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { RoomAwareness } from '../awareness/room-awareness.ts';
import { ClientUpdates } from './client-updates.ts';
import type { Connection } from './connection.ts';
import { DocumentChanges } from './document-changes.ts';
import { GuardedEventSink } from './guarded-event-sink.ts';
import { Journal } from './journal.ts';
import type { RoomEventSink } from './room-events.ts';
import type { RoomLimits } from './room-limits.ts';
import { UpdateBroadcast } from './update-broadcast.ts';
import { UpdateChannel } from './update-channel.ts';

/** The settings a room's parts take (RoomOptions adds the room's own). */
export interface RoomPartsOptions {
  readonly store: DocumentStore;
  readonly logger: Logger;
  readonly limits: RoomLimits;
  readonly metrics?: ServerMetrics;
  /** Told when the document is loaded, changed and stored; a listener that throws is logged. */
  readonly events?: RoomEventSink;
}

/** What the parts need from the room itself. */
export interface RoomHost {
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly connections: Set<Connection>;
  /** Whether the room serves: acknowledgements and events only while it does. */
  serving(): boolean;
  /** The room can no longer vouch for its document. */
  fail(code: 'ERR_STORAGE_WRITE_FAILED' | 'ERR_APPLY_FAILED', message: string, cause: unknown): void;
  /** Ends one connection for `error` (a change of it Yjs stopped on). */
  reject(connection: Connection, error: unknown): void;
}

export interface RoomParts {
  /** The room's event sink, guarded; undefined when no one listens. */
  readonly events: RoomEventSink | undefined;
  /** Changes applied this event-loop turn, on their way to the other connections. */
  readonly broadcast: UpdateBroadcast;
  readonly journal: Journal;
  readonly channel: UpdateChannel;
  readonly changes: DocumentChanges;
  readonly updates: ClientUpdates;
  readonly awareness: RoomAwareness;
}

/**
 * How a room's parts fit together. A client's update: ClientUpdates
 * (admitUpdate decides, then it acts) → DocumentChanges (queued as sent and
 * integrated at the turn's end, or applied at once) → UpdateBroadcast (the
 * other connections) and UpdateChannel (leaves) → Journal (stored, then
 * `saved`). An outside change: UpdateChannel.enter → DocumentChanges.applyNow
 * → out again through the broadcast and the channel. Awareness has its own
 * way (RoomAwareness), after the broadcast's queued changes.
 */
export function createRoomParts(host: RoomHost, options: RoomPartsOptions): RoomParts {
  const { docName, doc, connections } = host;
  const { logger, metrics } = options;
  const events = options.events === undefined ? undefined : new GuardedEventSink(options.events, logger);
  const { limits } = options;
  // Strings and free lengths are capped relative to the document limit: no
  // single value may be larger than a whole document may grow.
  const updateLimits = resolveUpdateLimits({ maxStringBytes: Math.min(8 * 1024 * 1024, limits.maxDocumentBytes) });
  const broadcast = new UpdateBroadcast(connections, updateLimits);
  const journal = new Journal({
    docName,
    store: options.store,
    doc,
    logger,
    metrics,
    events,
    serving: () => host.serving(),
    onWriteFailed: (error) => host.fail('ERR_STORAGE_WRITE_FAILED', 'update could not be stored', error),
  });
  // Outside changes enter through the channel and are applied by `changes`,
  // which hands every change it integrates back to the channel to leave.
  const channel: UpdateChannel = new UpdateChannel({
    docName,
    journal,
    events,
    limits: updateLimits,
    clockOf: (clientId: number): number => changes.clockOf(clientId),
    apply: (change, origin) => changes.applyNow(change, origin),
  });
  const changes: DocumentChanges = new DocumentChanges({
    doc,
    broadcast,
    channel,
    journal,
    metrics,
    reject: (connection, error) => host.reject(connection, error),
    onTurnFailed: (error) => host.fail('ERR_APPLY_FAILED', 'integrating changes failed', error),
  });
  const { maxClockGaps, maxDocumentBytes } = limits;
  const updates = new ClientUpdates({ limits: updateLimits, maxClockGaps, maxDocumentBytes, changes, connections });
  const awareness = new RoomAwareness(host.awareness, limits.awareness, { connections, beforeSend: () => broadcast.flush() });
  return { events, broadcast, journal, channel, changes, updates, awareness };
}
