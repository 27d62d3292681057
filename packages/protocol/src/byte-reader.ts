import { ProtocolDecodeError } from './protocol-error.ts';

// 2^53 - 1 needs 53 bits, i.e. 8 groups of 7 bits; the 8th group can overshoot
// 2^53, which is checked separately. Anything longer is rejected before more
// input is read, so a never-ending varint costs O(1).
const MAX_VARUINT_BYTES = 8;
// `ignoreBOM: true` as in lib0: a leading U+FEFF is part of the string, not a
// byte-order mark to strip, so strings round-trip exactly.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A bounds-checked cursor over untrusted bytes. Every read either returns a
 * value that lies wholly inside the input or throws ProtocolDecodeError; no
 * read allocates more than the bytes actually present.
 */
export class ByteReader {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.byteLength - this.position;
  }

  readVarUint(): number {
    let value = 0;
    let multiplier = 1;
    for (let index = 0; index < MAX_VARUINT_BYTES; index++) {
      if (this.position >= this.bytes.byteLength) {
        throw new ProtocolDecodeError('ERR_PROTOCOL_TRUNCATED', 'varint ends early');
      }
      const byte = this.bytes[this.position++] as number;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break;
        return value;
      }
      multiplier *= 128;
    }
    throw new ProtocolDecodeError('ERR_PROTOCOL_VARINT_OVERFLOW', 'varint exceeds 2^53');
  }

  /** A length-prefixed byte array, returned as a view into the input. */
  readVarBytes(): Uint8Array {
    const length = this.readVarUint();
    if (length > this.remaining) {
      throw new ProtocolDecodeError(
        'ERR_PROTOCOL_TRUNCATED',
        `declared length ${length} exceeds the ${this.remaining} bytes left`,
      );
    }
    const view = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return view;
  }

  readVarString(): string {
    const bytes = this.readVarBytes();
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ProtocolDecodeError('ERR_PROTOCOL_INVALID_STRING', 'string is not valid UTF-8');
    }
  }

  expectEnd(): void {
    if (this.remaining !== 0) {
      throw new ProtocolDecodeError(
        'ERR_PROTOCOL_TRAILING_BYTES',
        `${this.remaining} unexpected bytes after the message`,
      );
    }
  }
}
