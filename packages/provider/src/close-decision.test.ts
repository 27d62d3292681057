import { CLOSE_CODES } from '@quire/protocol';
import { describe, expect, it } from 'vitest';
import { decideAfterClose, type CloseFacts } from './close-decision.ts';

const facts = (overrides: Partial<CloseFacts>): CloseFacts => ({
  code: 1006,
  reason: '',
  serverError: null,
  badMessageStreak: 0,
  ...overrides,
});

describe('decideAfterClose', () => {
  it.each(CLOSE_CODES.filter((entry) => ![4401, 4403, 1007, 1013].includes(entry.code)))(
    'follows the reconnect flag of $code',
    (entry) => {
      expect(decideAfterClose(facts({ code: entry.code })).kind).toBe(entry.reconnect ? 'reconnect' : 'stop');
    },
  );

  it.each([1005, 1006, 1002, 1012, 3000, 4000, 4999])('reconnects after %d, which is not in the table', (code) => {
    expect(decideAfterClose(facts({ code })).kind).toBe('reconnect');
  });

  it.each([4400, 4410, 4499])('stops after %d, as the stock client does for 4400–4499', (code) => {
    expect(decideAfterClose(facts({ code })).kind).toBe('stop');
  });

  it('reports 4401 and 4403 as permission denied, with the best reason at hand', () => {
    expect(decideAfterClose(facts({ code: 4401 }))).toEqual({ kind: 'permission-denied', reason: 'unauthorized' });
    expect(decideAfterClose(facts({ code: 4403, reason: 'forbidden' }))).toEqual({
      kind: 'permission-denied',
      reason: 'forbidden',
    });
    expect(
      decideAfterClose(facts({ code: 4403, reason: 'forbidden', serverError: { code: 4403, reason: 'ERR_NO_ACCESS' } })),
    ).toEqual({ kind: 'permission-denied', reason: 'ERR_NO_ACCESS' });
  });

  it('trusts the error message when the close frame was lost', () => {
    const serverError = { code: 4401, reason: 'ERR_TOKEN_EXPIRED' };
    expect(decideAfterClose(facts({ code: 1006, serverError }))).toEqual({
      kind: 'permission-denied',
      reason: 'ERR_TOKEN_EXPIRED',
    });
  });

  it('retries one malformed-message close and stops at the second in a row', () => {
    expect(decideAfterClose(facts({ code: 1007, badMessageStreak: 1 })).kind).toBe('reconnect');
    expect(decideAfterClose(facts({ code: 1007, badMessageStreak: 2 })).kind).toBe('stop');
  });

  it('retries 1013 later, never for good, whatever the reason', () => {
    for (const reason of ['ERR_CLIENT_ID_IN_USE', 'ERR_SLOW_CONSUMER', 'ERR_AUTH_HOOK_TIMEOUT']) {
      const serverError = { code: 1013, reason };
      expect(decideAfterClose(facts({ code: 1013, reason: 'try again later', serverError }))).toEqual({ kind: 'retry-later' });
      // The close frame lost after the error message: the message decides.
      expect(decideAfterClose(facts({ code: 1006, serverError }))).toEqual({ kind: 'retry-later' });
    }
    expect(decideAfterClose(facts({ code: 1013 }))).toEqual({ kind: 'retry-later' });
  });

  it('still stops after 1008 ERR_UPDATE_FOREIGN_CLIENT: another user holds the client ID', () => {
    const serverError = { code: 1008, reason: 'ERR_UPDATE_FOREIGN_CLIENT' };
    expect(decideAfterClose(facts({ code: 1008, reason: 'policy violation', serverError })).kind).toBe('stop');
    expect(decideAfterClose(facts({ code: 1006, serverError })).kind).toBe('stop');
  });
});
