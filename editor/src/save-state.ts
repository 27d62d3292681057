import type { ConnectionState } from './connection-state.ts';

/**
 * `saved` — the server confirmed every local edit as durably stored.
 * `saving` — connected, and some edits await the server's confirmation.
 * `unsaved` — some edits have not reached the server because it is not
 * connected; they go out on the next connection (and survive a reload when
 * the offline copy is on).
 */
export type SaveState = 'saved' | 'saving' | 'unsaved';

export function saveStateOf(unsavedChanges: number, connection: ConnectionState): SaveState {
  if (unsavedChanges === 0) return 'saved';
  return connection === 'connected' ? 'saving' : 'unsaved';
}
