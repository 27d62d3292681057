/**
 * Why a read from a ByteCursor failed. All mean the input is malformed; the
 * callers turn them into their own result codes.
 */
export type ByteCursorProblem = 'truncated' | 'varint-overflow' | 'invalid-string';

/** Thrown by ByteCursor reads; callers catch it and return a typed rejection. */
export class ByteCursorError extends Error {
  override readonly name = 'ByteCursorError';
  readonly problem: ByteCursorProblem;
  /** Byte offset at which the failing read started. */
  readonly offset: number;

  constructor(problem: ByteCursorProblem, offset: number, message: string) {
    super(message);
    this.problem = problem;
    this.offset = offset;
  }
}

// 2^53 - 1 needs 53 bits: 8 groups of 7 bits for a varUint, and 6 + 7 * 7 = 55
// bits for a varInt (whose first byte carries a sign bit): 8 bytes either way.
// A longer varint is refused before more input is read, so 1 MiB of 0x80
// costs 8 reads, not a million (lib0 reads on until the buffer ends).
const MAX_VARINT_BYTES = 8;
// `ignoreBOM: true` as in lib0: a leading U+FEFF is part of the string, not a
// byte-order mark to strip, so strings round-trip exactly.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A bounds-checked cursor over untrusted bytes, reading lib0's encodings.
 * Every read either returns a value that lies wholly inside the input or
 * throws ByteCursorError; nothing is allocated from a declared length, and
 * every successful read consumes at least one byte, so a loop that reads on
 * each iteration ends after at most `bytes.length` iterations.
 */
export class ByteCursor {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  get bytesView(): Uint8Array {
    return this.bytes;
  }

  readUint8(): number {
    if (this.position >= this.bytes.length) {
      throw new ByteCursorError('truncated', this.position, 'input ends before a byte');
    }
    return this.bytes[this.position++] as number;
  }

  /** lib0 `readVarUint`: little-endian groups of 7 bits, high bit = more follows. */
  readVarUint(): number {
    return this.readGroups(this.position, 0, 1, 0);
  }

  /**
   * lib0 `readVarInt`: the first byte holds 6 value bits, a sign bit (0x40)
   * and the continuation bit (0x80); later bytes hold 7 value bits each.
   */
  readVarInt(): number {
    const start = this.position;
    const first = this.readUint8();
    const sign = (first & 0x40) === 0 ? 1 : -1;
    if (first < 0x80) return sign * (first & 0x3f);
    return sign * this.readGroups(start, first & 0x3f, 64, 1);
  }

  /**
   * The 7-bit groups of a varint from the current position on, added to
   * `value` (what its first `bytesRead` bytes, starting at `start`, held)
   * from `multiplier` up.
   */
  private readGroups(start: number, value: number, multiplier: number, bytesRead: number): number {
    for (let index = bytesRead; index < MAX_VARINT_BYTES; index++) {
      if (this.position >= this.bytes.length) {
        throw new ByteCursorError('truncated', start, 'input ends inside a varint');
      }
      const byte = this.bytes[this.position++] as number;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break;
        return value;
      }
      multiplier *= 128;
    }
    throw new ByteCursorError('varint-overflow', start, 'varint exceeds 2^53 - 1');
  }

  /** lib0 `readVarUint8Array`: a length-prefixed byte array, returned as a view into the input. */
  readVarBytes(): Uint8Array {
    const length = this.readVarUint();
    const start = this.position;
    this.skip(length);
    return this.bytes.subarray(start, this.position);
  }

  /** lib0 `readVarString`: length-prefixed UTF-8, refused when it is not valid UTF-8. */
  readVarString(): string {
    const start = this.position;
    const bytes = this.readVarBytes();
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ByteCursorError('invalid-string', start, 'string is not valid UTF-8');
    }
  }

  /** Advances over `length` bytes that must be present. */
  skip(length: number): void {
    if (length > this.remaining) {
      throw new ByteCursorError(
        'truncated',
        this.position,
        `declared length ${length} exceeds the ${this.remaining} bytes left`,
      );
    }
    this.position += length;
  }
}
