import { describe, expect, it } from 'vitest';
import { syncPathPrefix } from '../demo/src/server-url.ts';

/** A page whose only meta tag is the sync path, or none. */
function pageWith(content: string | null): Pick<Document, 'querySelector'> {
  return {
    querySelector: (selector: string) =>
      content !== null && selector === 'meta[name="quire-sync-path"]' ? { content } : null,
  };
}

describe('the demo finds the WebSocket path prefix in its page', () => {
  it('uses the prefix without a trailing slash', () => {
    expect(syncPathPrefix(pageWith('/sync'))).toBe('/sync');
    expect(syncPathPrefix(pageWith('/sync/'))).toBe('/sync');
    expect(syncPathPrefix(pageWith('/a/b'))).toBe('/a/b');
  });

  it('uses the root when the page names the root, names nothing, or names something that is not a path', () => {
    expect(syncPathPrefix(pageWith('/'))).toBe('');
    expect(syncPathPrefix(pageWith(null))).toBe('');
    expect(syncPathPrefix(pageWith('wss://elsewhere.example'))).toBe('');
  });
});
