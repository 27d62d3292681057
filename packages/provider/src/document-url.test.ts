import { parseDocumentPath } from '@quire/protocol';
import { describe, expect, it } from 'vitest';
import { buildDocumentUrl } from './document-url.ts';

describe('buildDocumentUrl', () => {
  it('appends the document name to the server URL', () => {
    expect(buildDocumentUrl('ws://127.0.0.1:1234', 'notes', {})).toBe('ws://127.0.0.1:1234/notes');
    expect(buildDocumentUrl('ws://127.0.0.1:1234/', 'notes', {})).toBe('ws://127.0.0.1:1234/notes');
    expect(buildDocumentUrl('wss://example.test/docs//', 'team/notes', {})).toBe('wss://example.test/docs/team/notes');
  });

  it('maps http(s) to ws(s)', () => {
    expect(buildDocumentUrl('http://example.test', 'a', {})).toBe('ws://example.test/a');
    expect(buildDocumentUrl('https://example.test', 'a', {})).toBe('wss://example.test/a');
  });

  it.each(['team/50% off?#1', 'Zürich/日本語 メモ', 'a+b', ' edge '])(
    'encodes %j so the server decodes the same name',
    (name) => {
      const url = new URL(buildDocumentUrl('ws://example.test/prefix', name, {}));
      expect(url.search).toBe('');
      expect(url.hash).toBe('');
      expect(parseDocumentPath(url.pathname, '/prefix')).toEqual({ ok: true, docName: name });
    },
  );

  it('adds params, keeping those already in the server URL', () => {
    const url = new URL(buildDocumentUrl('ws://example.test/?region=eu', 'a', { token: 'x y&z', b: '1' }));
    expect(url.searchParams.get('region')).toBe('eu');
    expect(url.searchParams.get('token')).toBe('x y&z');
    expect(url.searchParams.get('b')).toBe('1');
  });

  it.each([
    ['not a url', 'a'],
    ['ftp://example.test', 'a'],
    ['ws://example.test', ''],
    ['ws://example.test', 'a//b'],
    ['ws://example.test', '../x'],
  ])('rejects server %j with document %j', (server, name) => {
    expect(() => buildDocumentUrl(server, name, {})).toThrow(TypeError);
  });
});
