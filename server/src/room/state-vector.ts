import * as Y from 'yjs';
import { ServerError } from '../server-error.ts';

/** Decodes a client's state vector; a malformed one is the client's bad message. */
export function validateStateVector(stateVector: Uint8Array): Map<number, number> {
  try {
    return Y.decodeStateVector(stateVector);
  } catch (cause) {
    throw new ServerError('ERR_STATE_VECTOR_MALFORMED', 'state vector could not be decoded', {
      cause,
    });
  }
}
