/** What a connection's messages wait for: its token to be accepted, or its room to load. */
export type InboxWait = 'auth' | 'load';

/**
 * Messages a connection that authenticates by message may send before its
 * token is accepted (a provider sends sync step 1 and awareness at once).
 * Past it: 1008. Bytes are bounded by the per-connection byte rate.
 */
export const MAX_PRE_AUTH_MESSAGES = 64;

/** Why a message was not held: the 1008 reason. */
export type InboxFull = 'ERR_PRE_AUTH_QUEUE_FULL' | 'ERR_QUEUE_FULL';

/**
 * A connection's messages that arrived before it was ready (authorized, and
 * its room loaded), in arrival order. The room takes them all when it starts
 * the connection, and handles them as if they had just arrived. A connection
 * that leaves while its room loads keeps them: its edits are applied after
 * the load.
 */
export class Inbox {
  private held: Uint8Array[] = [];

  /** The held messages, oldest first. */
  get messages(): readonly Uint8Array[] {
    return this.held;
  }

  /**
   * Holds `bytes`, unless the inbox already holds `maxMessages` (or, before
   * authorization, MAX_PRE_AUTH_MESSAGES): then nothing is held and the
   * reason to close with is returned.
   */
  hold(bytes: Uint8Array, wait: InboxWait, maxMessages: number): InboxFull | undefined {
    const { held } = this;
    if (wait === 'auth' && held.length >= MAX_PRE_AUTH_MESSAGES) return 'ERR_PRE_AUTH_QUEUE_FULL';
    if (held.length >= maxMessages) return 'ERR_QUEUE_FULL';
    held.push(bytes);
    return undefined;
  }

  /** Takes every held message, in order, and empties the inbox. */
  take(): readonly Uint8Array[] {
    const { held } = this;
    this.held = [];
    return held;
  }
}
