import * as wsModule from 'ws';
import { WebSocket } from 'ws';

// The server writes broadcast frames straight to the TCP socket under a
// `ws` connection, built with `ws`'s own framing. Both rely on `ws`
// internals that no type declares; this file is the only place that touches
// them, and ws-internals.test.ts fails by name when they change.

/** `ws`'s frame builder: a named export of its ES module entry (`Sender.frame`), though @types/ws does not declare it. */
interface FrameBuilder {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[];
}

const { Sender } = wsModule as unknown as { Sender?: FrameBuilder };
if (typeof Sender?.frame !== 'function') throw new Error('ws internals changed: ws no longer exports Sender.frame (server/src/transport/ws-internals.ts)');
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

/**
 * Whether a frame from `frameBinary` may be written to the socket under `ws`
 * directly, between its own sends: only while `ws` writes every frame
 * synchronously in call order, that is, open and with no extension
 * (compression would queue frames). The server negotiates no extension and
 * sends no Blob.
 */
export function writesFramesDirectly(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN && ws.extensions === '';
}
