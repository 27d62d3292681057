import { describe, expect, it } from 'vitest';
import { encodeAwareness, encodeAuthToken, encodePermissionDenied, encodeSyncStep1, encodeSyncUpdate } from '@quire/protocol';
import { MESSAGE_KINDS, messageKindIndex } from './message-kind.ts';

const kindOf = (bytes: number[] | Uint8Array): string | undefined =>
  MESSAGE_KINDS[messageKindIndex(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))];

describe('message kinds', () => {
  it('keeps the label set dashboards know, in order', () => {
    expect(MESSAGE_KINDS).toEqual([
      'sync-step-1',
      'sync-step-2',
      'sync-update',
      'awareness',
      'auth',
      'query-awareness',
      'saved',
      'stateless',
      'ping',
      'pong',
      'error',
      'auth-token',
      'other',
    ]);
  });

  it('labels messages from their leading bytes', () => {
    expect(kindOf(encodeSyncStep1(new Uint8Array([0])))).toBe('sync-step-1');
    expect(kindOf(encodeSyncUpdate(new Uint8Array([0, 0])))).toBe('sync-update');
    expect(kindOf(encodeAwareness(new Uint8Array([0])))).toBe('awareness');
    expect(kindOf(encodePermissionDenied('no'))).toBe('auth');
    expect(kindOf(encodeAuthToken('abc'))).toBe('auth-token');
  });

  it('counts what it cannot name as other', () => {
    expect(kindOf([])).toBe('other');
    expect(kindOf([42])).toBe('other');
    expect(kindOf([0, 9])).toBe('other');
  });
});
