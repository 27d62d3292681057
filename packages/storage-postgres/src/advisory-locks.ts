/**
 * Keys of the advisory locks this package takes. Fixed: every node must use
 * the same ones. PostgreSQL keeps one-key (bigint) and two-key (int, int)
 * locks apart, so the two kinds below never collide.
 */

/** The one-key lock migrations run under ("quire-mg"). */
export const MIGRATION_LOCK_KEY = 0x71756972_656d67n;

/** First key of a document's compaction lock; the second is the hash of its name ("quir"). */
export const COMPACTION_LOCK_NAMESPACE = 0x71756972;
