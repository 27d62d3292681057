import type { ProviderStatus } from '@quire/provider';

/**
 * What a user needs to know about the link to the server:
 * `connected` — edits reach the server now; `connecting` — the first attempt
 * (or one after a deliberate reconnect) is under way; `offline` — the
 * browser is offline, the server could not be reached, or the provider
 * stopped trying. Edits made while offline are kept and sent later.
 */
export type ConnectionState = 'connected' | 'connecting' | 'offline';

export interface ConnectionFacts {
  readonly providerStatus: ProviderStatus;
  /** The provider holds everything the server had, as of the current connection. */
  readonly synced: boolean;
  /** `navigator.onLine`, or true where there is no such thing. */
  readonly browserOnline: boolean;
  /** A connection ended or an attempt failed since the last successful sync. */
  readonly failedSinceSync: boolean;
}

/**
 * Maps provider facts to the three states a status badge shows. A retry
 * after a failure counts as offline, not connecting: the user should know
 * that their edits are not reaching anyone until it succeeds.
 */
export function connectionStateOf(facts: ConnectionFacts): ConnectionState {
  if (!facts.browserOnline) return 'offline';
  switch (facts.providerStatus) {
    case 'disconnected':
      return 'offline';
    case 'connected':
      return facts.synced ? 'connected' : 'connecting';
    case 'connecting':
      return facts.failedSinceSync ? 'offline' : 'connecting';
  }
}
