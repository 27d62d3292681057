import type { Awareness } from 'y-protocols/awareness';
import { readEditorUser } from './editor-user.ts';

/** One person with the document open (one entry per browser tab). */
export interface PresenceEntry {
  /** The Yjs client ID of that tab. */
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  /** This tab. */
  readonly self: boolean;
}

/**
 * The people present, from awareness states (which other clients control,
 * so names and colours are checked): this tab first, then by name.
 */
export function presenceOf(awareness: Awareness): PresenceEntry[] {
  const entries: PresenceEntry[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = readEditorUser((state as { user?: unknown }).user);
    if (user === null) continue;
    entries.push({ clientId, name: user.name, color: user.color, self: clientId === awareness.clientID });
  }
  return entries.sort(
    (a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.clientId - b.clientId,
  );
}

export function samePresence(a: readonly PresenceEntry[], b: readonly PresenceEntry[]): boolean {
  return (
    a.length === b.length &&
    a.every((entry, index) => {
      const other = b[index];
      return (
        other !== undefined &&
        entry.clientId === other.clientId &&
        entry.name === other.name &&
        entry.color === other.color &&
        entry.self === other.self
      );
    })
  );
}
