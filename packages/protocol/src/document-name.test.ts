import { describe, expect, it } from 'vitest';
import type { DocumentNameProblem } from './document-name.ts';
import {
  MAX_DOCUMENT_NAME_BYTES,
  isValidDocumentName,
  parseDocumentPath,
  validateDocumentName,
} from './document-name.ts';

const utf8Length = (text: string): number => new TextEncoder().encode(text).byteLength;

describe('validateDocumentName', () => {
  const accepted: ReadonlyArray<readonly [name: string, docName: string]> = [
    ['single character', 'a'],
    ['namespace', 'team/notes'],
    ['deep namespace', 'org/team/2024/q3 plan'],
    ['unicode', 'Zürich/日本語 メモ 🎉'],
    ['exactly 255 ASCII bytes', 'a'.repeat(MAX_DOCUMENT_NAME_BYTES)],
    ['exactly 255 bytes with multi-byte characters', `${'é'.repeat(127)}a`],
    ['colon suffix', 'notes:lock'],
    ['dots inside a segment', 'a..b/.hidden/v1.2'],
    ['inner and edge spaces', ' a b '],
    ['percent sign (already decoded)', '100%'],
  ];

  it.each(accepted)('accepts %s', (_name, docName) => {
    expect(validateDocumentName(docName)).toEqual({ ok: true, docName });
    expect(isValidDocumentName(docName)).toBe(true);
  });

  it('the 255-byte fixtures really are 255 bytes', () => {
    expect(utf8Length(`${'é'.repeat(127)}a`)).toBe(255);
  });

  const rejected: ReadonlyArray<readonly [name: string, docName: string, problem: DocumentNameProblem]> = [
    ['empty', '', 'empty'],
    ['a space', ' ', 'blank'],
    ['spaces only', '   ', 'blank'],
    ['unicode whitespace only', '\u3000\u00a0', 'blank'],
    ['tab (a control character)', '\t', 'control-character'],
    ['parent segment first', '../x', 'dot-segment'],
    ['parent segment inside', 'a/../b', 'dot-segment'],
    ['current segment', './a', 'dot-segment'],
    ['bare parent', '..', 'dot-segment'],
    ['NUL', 'a\u0000b', 'control-character'],
    ['DEL', '\u007f', 'control-character'],
    ['C1 control', 'a\u0085', 'control-character'],
    ['newline', 'a\nb', 'control-character'],
    ['256 ASCII bytes', 'a'.repeat(MAX_DOCUMENT_NAME_BYTES + 1), 'too-long'],
    ['256 bytes of two-byte characters', 'é'.repeat(128), 'too-long'],
    ['10 kB', 'x'.repeat(10_000), 'too-long'],
    ['wildcard', '*', 'wildcard'],
    ['wildcard segment', 'team/*', 'wildcard'],
    ['double slash', 'a//b', 'empty-segment'],
    ['leading slash', '/a', 'empty-segment'],
    ['trailing slash', 'a/', 'empty-segment'],
    ['lone high surrogate', '\uD800', 'bad-encoding'],
    ['lone low surrogate after text', 'a\uDC00', 'bad-encoding'],
  ];

  it.each(rejected)('rejects %s', (_name, docName, problem) => {
    expect(validateDocumentName(docName)).toEqual({ ok: false, problem });
    expect(isValidDocumentName(docName)).toBe(false);
  });
});

describe('parseDocumentPath', () => {
  const withoutPrefix: ReadonlyArray<
    readonly [pathname: string, result: { ok: true; docName: string } | { ok: false; problem: DocumentNameProblem }]
  > = [
    ['/a', { ok: true, docName: 'a' }],
    ['/team/notes', { ok: true, docName: 'team/notes' }],
    ['/team%2Fnotes', { ok: true, docName: 'team/notes' }],
    ['/caf%C3%A9', { ok: true, docName: 'café' }],
    ['/%E6%97%A5%E6%9C%AC', { ok: true, docName: '日本' }],
    ['/notes:lock', { ok: true, docName: 'notes:lock' }],
    ['/a%20b', { ok: true, docName: 'a b' }],
    ['/a+b', { ok: true, docName: 'a+b' }],
    [`/${'%61'.repeat(MAX_DOCUMENT_NAME_BYTES)}`, { ok: true, docName: 'a'.repeat(MAX_DOCUMENT_NAME_BYTES) }],
    ['/', { ok: false, problem: 'empty' }],
    ['', { ok: false, problem: 'outside-prefix' }],
    ['a', { ok: false, problem: 'outside-prefix' }],
    ['/%20', { ok: false, problem: 'blank' }],
    ['/%2e%2e', { ok: false, problem: 'dot-segment' }],
    ['/%2E%2E/x', { ok: false, problem: 'dot-segment' }],
    ['/a%2F..%2Fb', { ok: false, problem: 'dot-segment' }],
    ['/../x', { ok: false, problem: 'dot-segment' }],
    ['/%00', { ok: false, problem: 'control-character' }],
    ['/a%7F', { ok: false, problem: 'control-character' }],
    ['/%2A', { ok: false, problem: 'wildcard' }],
    ['//a', { ok: false, problem: 'empty-segment' }],
    ['/a//b', { ok: false, problem: 'empty-segment' }],
    ['/%E0%A4%A', { ok: false, problem: 'bad-encoding' }],
    ['/%', { ok: false, problem: 'bad-encoding' }],
    ['/%zz', { ok: false, problem: 'bad-encoding' }],
    ['/%ED%A0%80', { ok: false, problem: 'bad-encoding' }],
    ['/%C0%80', { ok: false, problem: 'bad-encoding' }],
    [`/${'%61'.repeat(MAX_DOCUMENT_NAME_BYTES + 1)}`, { ok: false, problem: 'too-long' }],
    [`/${'a'.repeat(100_000)}`, { ok: false, problem: 'too-long' }],
  ];

  it.each(withoutPrefix)('%j', (pathname, result) => {
    expect(parseDocumentPath(pathname)).toEqual(result);
  });

  describe.each(['/docs/', '/docs'])('with prefix %j', (prefix) => {
    it.each([
      ['/docs/a', { ok: true, docName: 'a' }],
      ['/docs/team/notes', { ok: true, docName: 'team/notes' }],
      ['/docs/%2e%2e', { ok: false, problem: 'dot-segment' }],
      ['/docs/', { ok: false, problem: 'empty' }],
      ['/docs', { ok: false, problem: 'outside-prefix' }],
      ['/docsa', { ok: false, problem: 'outside-prefix' }],
      ['/other/a', { ok: false, problem: 'outside-prefix' }],
      ['/a', { ok: false, problem: 'outside-prefix' }],
      ['/%64ocs/a', { ok: false, problem: 'outside-prefix' }],
    ] as const)('%j', (pathname, result) => {
      expect(parseDocumentPath(pathname, prefix)).toEqual(result);
    });
  });

  it('accepts a nested prefix', () => {
    expect(parseDocumentPath('/api/v1/sync/room', '/api/v1/sync')).toEqual({ ok: true, docName: 'room' });
  });
});
