import * as wsModule from 'ws';

/** `ws`'s frame builder: a named export of its ES module entry (`Sender.frame`), though @types/ws does not declare it. */
interface FrameBuilder {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[];
}

const { Sender } = wsModule as unknown as { Sender?: FrameBuilder };
if (typeof Sender?.frame !== 'function') throw new Error('ws no longer exports Sender.frame');
const sender: FrameBuilder = Sender;

const BINARY_OPCODE = 2;

/**
 * One complete, unmasked, uncompressed binary WebSocket frame carrying
 * `bytes`, as one buffer, so it reaches each socket in a single write.
 * Built with `ws`'s own framing, so the header is exactly what `ws.send`
 * would have written.
 */
export function frameBinary(bytes: Uint8Array): Uint8Array {
  const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = sender.frame(payload, { fin: true, rsv1: false, opcode: BINARY_OPCODE, mask: false, readOnly: true });
  return Buffer.concat(parts);
}
