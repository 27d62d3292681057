import { describe, expect, it } from 'vitest';
import type { ProviderStatus } from '@quire/provider';
import { connectionStateOf, type ConnectionFacts } from './connection-state.ts';
import { saveStateOf } from './save-state.ts';

const facts = (overrides: Partial<ConnectionFacts>): ConnectionFacts => ({
  providerStatus: 'connected',
  synced: true,
  browserOnline: true,
  failedSinceSync: false,
  ...overrides,
});

describe('connectionStateOf', () => {
  const table: [Partial<ConnectionFacts>, string][] = [
    [{}, 'connected'],
    [{ synced: false }, 'connecting'],
    [{ providerStatus: 'connecting', synced: false }, 'connecting'],
    [{ providerStatus: 'connecting', synced: false, failedSinceSync: true }, 'offline'],
    [{ providerStatus: 'disconnected', synced: false }, 'offline'],
    [{ browserOnline: false }, 'offline'],
    [{ providerStatus: 'connecting', browserOnline: false }, 'offline'],
  ];
  for (const [input, expected] of table) {
    it(`maps ${JSON.stringify(input)} to ${expected}`, () => {
      expect(connectionStateOf(facts(input))).toBe(expected);
    });
  }

  it('never calls a browser that reports offline connected, whatever the provider says', () => {
    for (const providerStatus of ['connecting', 'connected', 'disconnected'] as ProviderStatus[]) {
      for (const synced of [true, false]) {
        for (const failedSinceSync of [true, false]) {
          expect(connectionStateOf({ providerStatus, synced, failedSinceSync, browserOnline: false })).toBe('offline');
        }
      }
    }
  });
});

describe('saveStateOf', () => {
  it('is saved when nothing awaits confirmation, however the connection is', () => {
    expect(saveStateOf(0, 'connected')).toBe('saved');
    expect(saveStateOf(0, 'offline')).toBe('saved');
    expect(saveStateOf(0, 'connecting')).toBe('saved');
  });

  it('is saving while connected with edits in flight', () => {
    expect(saveStateOf(3, 'connected')).toBe('saving');
  });

  it('is unsaved when edits wait for a connection', () => {
    expect(saveStateOf(1, 'offline')).toBe('unsaved');
    expect(saveStateOf(1, 'connecting')).toBe('unsaved');
  });
});
