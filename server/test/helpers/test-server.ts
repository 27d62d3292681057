import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { createSyncServer, type SyncServer, type SyncServerOptions } from '../../src/index.ts';
import { roomRegistryOf } from '../../src/sync-server.ts';
import type { RoomRegistry } from '../../src/room/room-registry.ts';

const running = new Set<SyncServer>();

/** An in-process server on 127.0.0.1, port 0, over the memory store unless one is given. */
export async function startTestServer(
  options: Partial<SyncServerOptions> & { store?: DocumentStore } = {},
): Promise<SyncServer> {
  const server = await createSyncServer({ host: '127.0.0.1', port: 0, store: createMemoryStore(), ...options });
  running.add(server);
  return server;
}

export async function closeTestServers(): Promise<void> {
  const servers = [...running];
  running.clear();
  await Promise.all(servers.map((server) => server.close()));
}

/**
 * The open rooms of a server, for tests that look at room state. Not part of
 * the public API (@quire/server has no rooms): from the source, as internals are.
 */
export function roomsOf(server: SyncServer): RoomRegistry {
  return roomRegistryOf(server);
}
