import * as Y from 'yjs';
import { CLOSE_BAD_MESSAGE } from '@quire/protocol';
import { ServerError } from './server-error.ts';

/**
 * Decodes a whole update before it is applied. Yjs integrates an update
 * struct by struct, so a truncated or garbled one would otherwise be half
 * applied (and half broadcast) before it throws.
 */
export function validateUpdate(update: Uint8Array): void {
  try {
    Y.decodeUpdate(update);
  } catch (cause) {
    throw new ServerError('ERR_UPDATE_MALFORMED', CLOSE_BAD_MESSAGE, 'update could not be decoded', { cause });
  }
}

export function validateStateVector(stateVector: Uint8Array): Map<number, number> {
  try {
    return Y.decodeStateVector(stateVector);
  } catch (cause) {
    throw new ServerError('ERR_STATE_VECTOR_MALFORMED', CLOSE_BAD_MESSAGE, 'state vector could not be decoded', {
      cause,
    });
  }
}
