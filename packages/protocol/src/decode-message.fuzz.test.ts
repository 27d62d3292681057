import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode-message.ts';
import type { DecodeResult } from './decode-message.ts';
import { encodeMessage } from './encode-message.ts';
import type { Message } from './message.ts';
import type { ProtocolErrorCode } from './protocol-error.ts';
import { ProtocolDecodeError } from './protocol-error.ts';

// SEED=… replays a failing run (fast-check prints the seed and path on failure);
// FUZZ_RUNS=… runs longer, for example in a nightly job.
const seed = process.env['SEED'] === undefined ? undefined : Number(process.env['SEED']);
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 1000);
const parameters: fc.Parameters<unknown> = seed === undefined ? { numRuns } : { numRuns, seed };

// A Record, so adding a code to ProtocolErrorCode without listing it here fails to compile.
const KNOWN_CODES: Record<ProtocolErrorCode, true> = {
  ERR_PROTOCOL_EMPTY_MESSAGE: true,
  ERR_PROTOCOL_TRUNCATED: true,
  ERR_PROTOCOL_VARINT_OVERFLOW: true,
  ERR_PROTOCOL_UNKNOWN_SYNC_TYPE: true,
  ERR_PROTOCOL_UNKNOWN_AUTH_TYPE: true,
  ERR_PROTOCOL_TRAILING_BYTES: true,
  ERR_PROTOCOL_INVALID_STRING: true,
};
const KNOWN_TYPES = new Set([0, 1, 2, 3, 100, 101, 102, 103, 104, 105]);

/** The invariant every decode must satisfy, whatever the input. */
function assertWellFormed(result: DecodeResult): void {
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(ProtocolDecodeError);
  expect(Object.hasOwn(KNOWN_CODES, result.error.code)).toBe(true);
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 64 });
const integer = fc.oneof(
  fc.nat(300),
  fc.constantFrom(2 ** 31, 2 ** 32 - 1, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);

const message: fc.Arbitrary<Message> = fc.oneof(
  bytes.map((stateVector): Message => ({ type: 'sync-step-1', stateVector })),
  bytes.map((update): Message => ({ type: 'sync-step-2', update })),
  bytes.map((update): Message => ({ type: 'sync-update', update })),
  bytes.map((update): Message => ({ type: 'awareness', update })),
  text.map((reason): Message => ({ type: 'permission-denied', reason })),
  fc.constant<Message>({ type: 'query-awareness' }),
  integer.map((count): Message => ({ type: 'saved', count })),
  text.map((payload): Message => ({ type: 'stateless', payload })),
  integer.map((id): Message => ({ type: 'ping', id })),
  integer.map((id): Message => ({ type: 'pong', id })),
  fc.tuple(integer, text).map(([code, reason]): Message => ({ type: 'error', code, reason })),
  text.map((token): Message => ({ type: 'auth-token', token })),
  integer
    .filter((messageType) => !KNOWN_TYPES.has(messageType))
    .map((messageType): Message => ({ type: 'unknown', messageType })),
);

type Mutation =
  | { readonly kind: 'flip'; readonly position: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'insert'; readonly position: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly position: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip'), position: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate'), length: fc.nat() }),
  fc.record({ kind: fc.constant('insert'), position: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('delete'), position: fc.nat() }),
);

function mutate(input: Uint8Array, change: Mutation): Uint8Array {
  const output = Array.from(input);
  if (output.length === 0 && (change.kind === 'flip' || change.kind === 'delete')) return input;
  switch (change.kind) {
    case 'flip': {
      const position = change.position % output.length;
      output[position] = (output[position] ?? 0) ^ (1 << change.bit);
      break;
    }
    case 'truncate':
      output.length = change.length % (output.length + 1);
      break;
    case 'insert':
      output.splice(change.position % (output.length + 1), 0, change.byte);
      break;
    case 'delete':
      output.splice(change.position % output.length, 1);
      break;
  }
  return Uint8Array.from(output);
}

describe('decodeMessage is total', () => {
  it('never throws on random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        assertWellFormed(decodeMessage(input));
      }),
      parameters,
    );
  });

  it('never throws on random bodies behind a known message type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_TYPES), fc.uint8Array({ maxLength: 64 }), (type, body) => {
        assertWellFormed(decodeMessage(Uint8Array.from([type, ...body])));
      }),
      parameters,
    );
  });

  it('never throws on valid messages with bit flips, truncation, insertion or deletion', () => {
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (original, changes) => {
        const input = changes.reduce(mutate, encodeMessage(original));
        const result = decodeMessage(input);
        assertWellFormed(result);
        // Whatever decodes must itself re-encode and decode to the same message.
        if (result.ok && result.message.type !== 'unknown') {
          const again = decodeMessage(encodeMessage(result.message));
          expect(again.ok && again.message).toEqual(result.message);
        }
      }),
      parameters,
    );
  });

  it('every proper prefix of a valid known message is rejected', () => {
    fc.assert(
      fc.property(
        message.filter((original) => original.type !== 'unknown'),
        (original) => {
          const encoded = encodeMessage(original);
          for (let length = 0; length < encoded.length; length++) {
            const result = decodeMessage(encoded.subarray(0, length));
            // A prefix can only decode if the frame is cut right after a complete
            // unknown type varint, which never happens for known types.
            expect(result.ok).toBe(false);
            assertWellFormed(result);
          }
        },
      ),
      { ...parameters, numRuns: Math.ceil(numRuns / 4) },
    );
  });
});

describe('encodeMessage → decodeMessage', () => {
  it('round-trips every message', () => {
    fc.assert(
      fc.property(message, (original) => {
        const result = decodeMessage(encodeMessage(original));
        expect(result.ok && result.message).toEqual(original);
      }),
      parameters,
    );
  });
});
