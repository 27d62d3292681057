/**
 * The reason sent with a refused write on a read-only connection: in the
 * y-websocket permission-denied message for stock clients, in a quire.v1
 * `error` message (code 4403, connection kept open) for extended ones. The
 * provider matches on it to tell a refused write from an error that closes.
 */
export const READ_ONLY_REASON = 'ERR_READ_ONLY';
