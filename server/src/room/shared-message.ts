/**
 * A message sent unchanged to many connections (a broadcast update). A
 * transport may wrap it in its own framing once and hand the same framed
 * bytes to every receiver, instead of framing it again per socket.
 */
export class SharedMessage {
  private framer: ((bytes: Uint8Array) => Uint8Array) | undefined;
  private framedBytes: Uint8Array | undefined;

  constructor(readonly bytes: Uint8Array) {}

  /** `bytes` framed by `frame`; computed on first use and kept for the next receiver. */
  framedWith(frame: (bytes: Uint8Array) => Uint8Array): Uint8Array {
    if (this.framer !== frame || this.framedBytes === undefined) {
      this.framedBytes = frame(this.bytes);
      this.framer = frame;
    }
    return this.framedBytes;
  }
}
