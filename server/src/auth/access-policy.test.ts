import { describe, expect, it } from 'vitest';
import { authorize, isDocumentPattern, matchesDocumentPattern, NO_GRANTS, readAccessGrants } from './access-policy.ts';

describe('document patterns', () => {
  const table: [pattern: string, docName: string, matches: boolean][] = [
    ['notes', 'notes', true],
    ['notes', 'notes2', false],
    ['notes', 'team/notes', false],
    ['team/notes', 'team/notes', true],
    ['team/*', 'team/notes', true],
    ['team/*', 'team/a/b', true],
    ['team/*', 'team', false],
    ['team/*', 'team/', false],
    ['team/*', 'teammate/x', false],
    ['team/*', 'other/team/x', false],
    ['a/b/*', 'a/b/c', true],
    ['a/b/*', 'a/bc', false],
    ['*', 'anything/at/all', true],
    ['*', 'x', true],
    ['team*', 'team1', false],
    ['team*', 'team*', false],
    ['*/notes', 'team/notes', false],
    ['a/*/b', 'a/x/b', false],
    ['/*', '/x', false],
    ['', '', false],
    ['team/*', 'team/*', false],
  ];
  it.each(table)('%s against %s → %s', (pattern, docName, matches) => {
    expect(matchesDocumentPattern(docName, pattern)).toBe(matches);
  });

  it('knows which patterns are well formed', () => {
    expect(['*', 'a', 'a/*', 'a/b/*', 'a b/ü/*'].every(isDocumentPattern)).toBe(true);
    expect(['', 'a*', '*a', '*/a', 'a/*/b', '/*', '**', 'a/**'].some(isDocumentPattern)).toBe(false);
  });
});

describe('authorize', () => {
  it('gives write, which implies read, then read, then none', () => {
    const grants = { read: ['handbook', 'team/*'], write: ['team/notes', 'drafts/*'] };
    expect(authorize('team/notes', grants)).toBe('write');
    expect(authorize('drafts/x', grants)).toBe('write');
    expect(authorize('team/plans', grants)).toBe('read');
    expect(authorize('handbook', grants)).toBe('read');
    expect(authorize('secret', grants)).toBe('none');
    expect(authorize('team/notes', { read: [], write: ['*'] })).toBe('write');
    expect(authorize('x', NO_GRANTS)).toBe('none');
    expect(authorize('x', undefined)).toBe('none');
  });
});

describe('readAccessGrants', () => {
  it('reads the quire claim and treats absence as no access', () => {
    expect(readAccessGrants({ read: ['a'], write: ['b/*'] })).toEqual({ read: ['a'], write: ['b/*'] });
    expect(readAccessGrants({ read: ['a'] })).toEqual({ read: ['a'], write: [] });
    expect(readAccessGrants(undefined)).toEqual({ read: [], write: [] });
  });

  it.each([null, 'a', ['a'], { read: 'a' }, { write: [1] }, { read: [null] }, { read: Array(1001).fill('a') }])(
    'refuses a malformed claim %j',
    (claim) => {
      expect(readAccessGrants(claim)).toBeUndefined();
    },
  );
});
