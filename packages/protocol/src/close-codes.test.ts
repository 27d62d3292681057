import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as closeCodes from './close-codes.ts';
import { CLOSE_CODES, findCloseCode, isSendableCloseCode } from './close-codes.ts';

// The WebSocket close frame has room for 125 bytes: a 2-byte code and the reason.
const MAX_CLOSE_REASON_BYTES = 123;

describe('CLOSE_CODES', () => {
  it.each(CLOSE_CODES.map((entry) => [entry.code, entry] as const))('%d is sendable', (_code, entry) => {
    expect(isSendableCloseCode(entry.code)).toBe(true);
    expect(new TextEncoder().encode(entry.reason).byteLength).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(entry.reason.length).toBeGreaterThan(0);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it('has unique codes', () => {
    const codes = CLOSE_CODES.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('lists every exported CLOSE_* constant', () => {
    const exported = Object.entries(closeCodes)
      .filter(([name]) => name.startsWith('CLOSE_') && name !== 'CLOSE_CODES')
      .map(([, value]) => value);
    expect(exported.length).toBe(CLOSE_CODES.length);
    for (const value of exported) expect(CLOSE_CODES).toContain(value);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CLOSE_CODES)).toBe(true);
  });

  // Stock y-websocket clients (defaultShouldReconnect) stop for good on 4400–4499
  // and retry on every other code, so a code we mark as "reconnect" must not sit there.
  it('keeps reconnectable codes out of the range where stock clients give up', () => {
    for (const entry of CLOSE_CODES) {
      if (entry.reconnect) expect(entry.code >= 4400 && entry.code < 4500).toBe(false);
    }
  });
});

describe('findCloseCode', () => {
  it.each(CLOSE_CODES.map((entry) => [entry.code, entry] as const))('finds %d', (code, entry) => {
    expect(findCloseCode(code)).toBe(entry);
  });

  it.each([1005, 1006, 1015, 1002, 4000, 0])('returns undefined for %d', (code) => {
    expect(findCloseCode(code)).toBeUndefined();
  });
});

describe('isSendableCloseCode', () => {
  it.each([1005, 1006, 1015])('never sends reserved code %d', (code) => {
    expect(isSendableCloseCode(code)).toBe(false);
  });

  it.each([0, 999, 1004, 1016, 2999, 5000, 65_535, -1, 1000.5, Number.NaN])('rejects %d', (code) => {
    expect(isSendableCloseCode(code)).toBe(false);
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999])(
    'accepts %d',
    (code) => {
      expect(isSendableCloseCode(code)).toBe(true);
    },
  );
});

describe('docs/protocol.md', () => {
  it('documents every close code exactly as close-codes.ts defines it', () => {
    const markdown = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const rows = new Map<number, { constant: string; reason: string; reconnect: boolean }>();
    for (const match of markdown.matchAll(/^\| (\d{4}) \| `(CLOSE_\w+)` \| `([^`]*)` \| (yes|no) \|/gmu)) {
      const [, code, constant, reason, reconnect] = match;
      rows.set(Number(code), { constant: constant ?? '', reason: reason ?? '', reconnect: reconnect === 'yes' });
    }
    const expected = Object.entries(closeCodes).flatMap(([constant, value]) =>
      constant !== 'CLOSE_CODES' && typeof value === 'object' && 'code' in value
        ? [[value.code, { constant, reason: value.reason, reconnect: value.reconnect }] as const]
        : [],
    );
    expect(rows).toEqual(new Map(expected));
  });
});
