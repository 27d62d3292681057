import type { BenchClient } from './bench-client.ts';
import type { Target } from './targets.ts';

const JOIN_TIMEOUT_MS = 60_000;

/**
 * Waits until every client is open and, on servers that hold state, has the
 * server's step 2. A relay has no step 2 to give a lone client, so there
 * being open is enough.
 */
export async function joinClients(clients: readonly BenchClient[], target: Target): Promise<void> {
  const ready = Promise.all(clients.map((client) => (target.holdsState ? client.synced : client.opened)));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`clients did not join within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function closeClients(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}
