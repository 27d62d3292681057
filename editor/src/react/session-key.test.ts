import { describe, expect, it } from 'vitest';
import { sessionKeyOf, type UseQuireEditorOptions } from './session-key.ts';

const BASE: UseQuireEditorOptions = { url: 'ws://a', document: 'team/notes', user: { name: 'Ada', color: '#e11d48' } };

describe('the React hook replaces its editor', () => {
  it('when the connection changes: server, document, token, offline copy or field', () => {
    const key = sessionKeyOf(BASE);
    for (const changed of [
      { ...BASE, url: 'ws://b' },
      { ...BASE, url: ['ws://a', 'ws://b'] },
      { ...BASE, document: 'team/other' },
      { ...BASE, token: 't' },
      { ...BASE, offline: true },
      { ...BASE, field: 'body' },
    ]) {
      expect(sessionKeyOf(changed)).not.toBe(key);
    }
  });

  it('not for a new options object with the same connection, defaults spelled out, or other settings', () => {
    const key = sessionKeyOf(BASE);
    expect(sessionKeyOf({ ...BASE })).toBe(key);
    expect(sessionKeyOf({ ...BASE, url: ['ws://a'], offline: false, field: 'default' })).toBe(key);
    expect(sessionKeyOf({ ...BASE, user: { name: 'Grace', color: '#0284c7' }, extensions: [], editorOptions: { editable: false } })).toBe(key);
  });
});
