/** Rejects anything but a non-empty Uint8Array (a Node Buffer is one). */
export function assertUpdate(update: unknown): asserts update is Uint8Array {
  if (!(update instanceof Uint8Array)) {
    throw new TypeError('Update must be a Uint8Array');
  }
  if (update.byteLength === 0) throw new RangeError('Update must not be empty');
}
