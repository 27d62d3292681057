import type { ByteCursor } from '@quire/protocol';
import { measureJsonDepth } from './measure-json-depth.ts';
import { measureUtf8 } from './measure-utf8.ts';
import type { ResolvedUpdateLimits } from './update-limits.ts';
import { UpdateRejectionError, type UpdateRejectionCode } from './update-rejection-error.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// lib0 `writeAny` type tags.
const ANY_UNDEFINED = 127;
const ANY_NULL = 126;
const ANY_INTEGER = 125;
const ANY_FLOAT32 = 124;
const ANY_FLOAT64 = 123;
const ANY_BIGINT = 122;
const ANY_FALSE = 121;
const ANY_TRUE = 120;
const ANY_STRING = 119;
export const ANY_OBJECT = 118;
const ANY_ARRAY = 117;
const ANY_BYTES = 116;

/**
 * Reads the leaf values of a Yjs V1 update — strings, binaries, JSON texts
 * and lib0 "any" values — checking each against the limits before reading
 * it and throwing UpdateRejectionError on the first problem. It validates
 * exactly what Yjs would otherwise throw on while decoding (invalid UTF-8,
 * invalid JSON, unknown tags), so that an accepted update decodes in Yjs.
 */
export class UpdateValueReader {
  // Scratch stacks for the iterative "any" reader, sized by the depth limit;
  // allocated on the first "any" value (text-only updates never need them).
  private anyRemaining: Float64Array | undefined;
  private anyIsObject: Uint8Array | undefined;

  constructor(
    private readonly cursor: ByteCursor,
    private readonly limits: ResolvedUpdateLimits,
  ) {}

  /** A length-prefixed byte run: capped first, then required to be present. */
  readByteLength(what: string): number {
    const length = this.cursor.readVarUint();
    if (length > this.limits.maxStringBytes) {
      this.fail('ERR_UPDATE_STRING_TOO_LONG', `${what} of ${length} bytes exceeds ${this.limits.maxStringBytes}`);
    }
    if (length > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${what} of ${length} bytes is truncated`);
    return length;
  }

  readBytes(what: string): void {
    this.cursor.skip(this.readByteLength(what));
  }

  /** Validates a string; returns its length in UTF-16 code units (a string struct's clock length). */
  readString(what: string): number {
    const length = this.readByteLength(what);
    const start = this.cursor.offset;
    const units = measureUtf8(this.cursor.bytesView, start, start + length);
    if (units < 0) this.fail('ERR_UPDATE_MALFORMED', `${what} is not valid UTF-8`);
    this.cursor.skip(length);
    return units;
  }

  /** JSON text as Yjs' V1 `readJSON` parses it; ContentJSON also stores `undefined` as the text "undefined". */
  readJson(allowUndefined: boolean): void {
    const length = this.readByteLength('JSON text');
    const bytes = this.cursor.bytesView;
    const start = this.cursor.offset;
    const end = start + length;
    const maxDepth = this.limits.maxNestingDepth;
    if (measureJsonDepth(bytes, start, end, maxDepth) > maxDepth) {
      this.fail('ERR_UPDATE_TOO_DEEP', `JSON nested deeper than ${maxDepth}`);
    }
    try {
      const text = utf8.decode(bytes.subarray(start, end));
      if (!(allowUndefined && text === 'undefined')) JSON.parse(text);
    } catch {
      this.fail('ERR_UPDATE_MALFORMED', 'invalid JSON text');
    }
    this.cursor.skip(length);
  }

  /**
   * One lib0 "any" value, read iteratively: a stack of "values left" per
   * open array or object instead of recursion (lib0's reader recurses and
   * overflows the stack on deep input), capped in depth. Every turn of the
   * loop reads a byte or closes a container, so it ends within the input.
   */
  readAny(): void {
    const remaining = (this.anyRemaining ??= new Float64Array(this.limits.maxNestingDepth + 1));
    const isObject = (this.anyIsObject ??= new Uint8Array(this.limits.maxNestingDepth + 1));
    let depth = 0;
    remaining[0] = 1;
    isObject[0] = 0;
    while (depth >= 0) {
      if (remaining[depth] === 0) {
        depth--;
        continue;
      }
      remaining[depth] = (remaining[depth] as number) - 1;
      if (isObject[depth] === 1) this.readString('object key');
      const tag = this.cursor.readUint8();
      switch (tag) {
        case ANY_UNDEFINED:
        case ANY_NULL:
        case ANY_FALSE:
        case ANY_TRUE:
          break;
        case ANY_INTEGER:
          this.cursor.readVarInt();
          break;
        case ANY_FLOAT32:
          this.cursor.skip(4);
          break;
        case ANY_FLOAT64:
        case ANY_BIGINT:
          this.cursor.skip(8);
          break;
        case ANY_STRING:
          this.readString('string value');
          break;
        case ANY_BYTES:
          this.readBytes('binary value');
          break;
        case ANY_OBJECT: // count, then (key, value) pairs
        case ANY_ARRAY: {
          // count, then values
          const count = this.cursor.readVarUint();
          if (count === 0) break;
          if (depth + 1 > this.limits.maxNestingDepth) {
            this.fail('ERR_UPDATE_TOO_DEEP', `value nested deeper than ${this.limits.maxNestingDepth}`);
          }
          if (count > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${count} entries cannot fit`);
          depth++;
          remaining[depth] = count;
          isObject[depth] = tag === ANY_OBJECT ? 1 : 0;
          break;
        }
        default:
          this.fail('ERR_UPDATE_MALFORMED', `unknown value tag ${tag}`);
      }
    }
  }

  private fail(code: UpdateRejectionCode, detail: string): never {
    throw new UpdateRejectionError(code, detail, this.cursor.offset);
  }
}
