import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, findCloseCode, ProtocolDecodeError } from '@quire/protocol';
import { StorageError } from '@quire/storage';
import { AuthError } from '../auth/auth-error.ts';
import { refusalFor } from '../auth/session-auth.ts';
import { DeadlineError } from '../auth/run-with-deadline.ts';
import { closeCodeForError, httpStatusForError, ServerError } from '../server-error.ts';
import { ERROR_CATALOG, closeCodeOf, type ErrorCode } from './error-catalog.ts';

const rows = Object.entries(ERROR_CATALOG) as [ErrorCode, (typeof ERROR_CATALOG)[ErrorCode]][];

describe('the error catalog', () => {
  it.each(rows)('maps %s to a close code of the protocol table', (_code, answer) => {
    expect(findCloseCode(answer.close.code)).toBe(answer.close);
    expect(CLOSE_CODES).toContain(answer.close);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERROR_CATALOG)).toBe(true);
  });

  it('names every code ERR_ and in capitals', () => {
    for (const [code] of rows) expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
  });
});

describe('the roads to a close code and an HTTP status', () => {
  it('ServerError takes its close code from the catalog', () => {
    const error = new ServerError('ERR_DOCUMENT_TOO_BIG', 'too big', { cause: 'why' });
    expect(error.closeCode).toBe(closeCodeOf('ERR_DOCUMENT_TOO_BIG'));
    expect(error.message).toBe('too big');
    expect(error.cause).toBe('why');
    expect(new ServerError('ERR_SLOW_CONSUMER').message).toBe('ERR_SLOW_CONSUMER');
  });

  it('closeCodeForError and httpStatusForError read the catalog by code', () => {
    expect(closeCodeForError(new ProtocolDecodeError('ERR_PROTOCOL_TRUNCATED', 'x'))).toBe(ERROR_CATALOG.ERR_PROTOCOL_TRUNCATED.close);
    expect(closeCodeForError(new StorageError('ERR_STORAGE_READ_FAILED', 'x'))).toBe(ERROR_CATALOG.ERR_STORAGE_READ_FAILED.close);
    expect(closeCodeForError(new TypeError('bug'))).toBe(ERROR_CATALOG.ERR_INTERNAL.close);
    expect(closeCodeForError(Object.assign(new Error('io'), { code: 'ECONNRESET' }))).toBe(ERROR_CATALOG.ERR_INTERNAL.close);
    expect(httpStatusForError(new StorageError('ERR_STORAGE_READ_FAILED', 'x'))).toBe(500);
    expect(httpStatusForError(new TypeError('bug'))).toBe(500);
  });

  it('authorization refusals and AuthError read the catalog', () => {
    for (const [error, code] of [
      [new AuthError('ERR_AUTH_UNAUTHORIZED', 'expired'), 'ERR_AUTH_UNAUTHORIZED'],
      [new AuthError('ERR_AUTH_FORBIDDEN', 'no-access'), 'ERR_AUTH_FORBIDDEN'],
      [new DeadlineError('slow'), 'ERR_AUTH_HOOK_TIMEOUT'],
      [new Error('hook crashed'), 'ERR_AUTH_HOOK_FAILED'],
    ] as const) {
      const answer = ERROR_CATALOG[code];
      expect(refusalFor(error)).toEqual({ closeCode: answer.close, httpStatus: answer.http, reason: code });
      if (error instanceof AuthError) expect(error.status).toBe(answer.http);
    }
  });
});

describe('docs/security.md', () => {
  it('lists every code of the catalog with its close code and HTTP status, and no other', () => {
    const markdown = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    const section = /^## Close codes and HTTP answers$([\s\S]*?)^## /mu.exec(markdown)?.[1] ?? '';
    const documented = new Map<string, { close: number; http: number | undefined }>();
    for (const match of section.matchAll(/^\| `(ERR_\w+)` \| (\d{4}) \| (\d{3}|—) \|/gmu)) {
      const [, code, close, http] = match;
      expect(documented.has(code!), `${code} listed twice`).toBe(false);
      documented.set(code!, { close: Number(close), http: http === '—' ? undefined : Number(http) });
    }
    const expected = new Map(
      rows.map(([code, answer]) => [code, { close: answer.close.code, http: 'http' in answer ? answer.http : undefined }]),
    );
    expect(documented).toEqual(expected);
  });
});
