/**
 * Top-level message types. 0–3 are the y-websocket protocol and are the only
 * types a stock client ever sends or receives. 100 and up are Quire's own
 * extensions and are only exchanged on connections that negotiated the
 * `quire.v1` WebSocket subprotocol.
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

/**
 * Server → client: the first `count` sync messages carrying updates (step 2 and
 * update) received on this connection are durably stored. Cumulative.
 */
export const MESSAGE_QUIRE_SAVED = 100;
/** Both ways: an application-defined payload relayed to the document's other connections, never stored. */
export const MESSAGE_QUIRE_STATELESS = 101;
/** Client → server heartbeat; the server answers with MESSAGE_QUIRE_PONG. */
export const MESSAGE_QUIRE_PING = 102;
export const MESSAGE_QUIRE_PONG = 103;
/** Server → client: a machine-readable reason sent just before the server closes the connection. */
export const MESSAGE_QUIRE_ERROR = 104;
/** Client → server: a (refreshed) bearer token. */
export const MESSAGE_QUIRE_AUTH_TOKEN = 105;

/** Sync sub-types, as in y-protocols/sync. */
export const SYNC_STEP_1 = 0;
export const SYNC_STEP_2 = 1;
export const SYNC_UPDATE = 2;

/** The only auth sub-type y-protocols defines. */
export const AUTH_PERMISSION_DENIED = 0;

/** WebSocket subprotocol that turns on Quire's extension messages. */
export const QUIRE_SUBPROTOCOL = 'quire.v1';
