import { describe, expect, it } from 'vitest';
import { createOriginCheck, isOriginAllowed } from './origin-policy.ts';

describe('origin allow-list', () => {
  const check = createOriginCheck(['https://app.example.com', 'http://localhost:5173', 'HTTPS://Mixed.Example.com:443/']);

  it.each([
    ['https://app.example.com', true],
    ['http://localhost:5173', true],
    ['https://mixed.example.com', true],
    ['https://evil.example.com', false],
    ['http://app.example.com', false],
    ['https://app.example.com:8443', false],
    ['https://app.example.com.evil.com', false],
    ['null', false],
    ['', false],
    ['https://app.example.com, https://evil.example.com', false],
  ])('%s → %s', (origin, allowed) => {
    expect(check(origin)).toBe(allowed);
  });

  it('lets requests without Origin through (non-browser clients) unless told otherwise', () => {
    expect(check(undefined)).toBe(true);
    expect(createOriginCheck(['https://a.example'], { allowMissing: false })(undefined)).toBe(false);
  });

  it('allows any origin with *', () => {
    expect(isOriginAllowed('https://anything.example', ['*'])).toBe(true);
    expect(isOriginAllowed('null', ['*'])).toBe(true);
    expect(isOriginAllowed('https://anything.example', [])).toBe(false);
  });

  it.each(['app.example.com', 'https://app.example.com/path', 'null', 'https://user@app.example.com', 'https://a.example/?x=1', 'not a url'])(
    'refuses the allow-list entry %s as a configuration error',
    (entry) => {
      expect(() => createOriginCheck([entry])).toThrow(TypeError);
    },
  );
});
