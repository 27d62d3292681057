import { describe, expect, it } from 'vitest';
import { resolveEditorOptions, type CreateEditorOptions } from './editor-options.ts';

/** Enough of an element for option checks; nothing is mounted here. */
const element = { appendChild: () => undefined } as unknown as HTMLElement;

const valid: CreateEditorOptions = {
  element,
  url: 'ws://127.0.0.1:1234',
  document: 'team/notes',
  user: { name: '  Ada ', color: '#e11d48' },
};

describe('resolveEditorOptions', () => {
  it('fills in defaults: no offline copy, the default field, no extra extensions', () => {
    const resolved = resolveEditorOptions(valid);
    expect(resolved.urls).toEqual(['ws://127.0.0.1:1234']);
    expect(resolved.offline).toBe(false);
    expect(resolved.field).toBe('default');
    expect(resolved.extensions).toEqual([]);
    expect(resolved.user).toEqual({ name: 'Ada', color: '#e11d48' });
    expect(resolved.token).toBeUndefined();
  });

  it('keeps several servers in order', () => {
    expect(resolveEditorOptions({ ...valid, url: ['ws://a', 'ws://b'] }).urls).toEqual(['ws://a', 'ws://b']);
  });

  const invalid: [string, Record<string, unknown>, typeof TypeError | typeof RangeError][] = [
    ['a missing element', { element: undefined }, TypeError],
    ['an element that is not one', { element: 'editor' }, TypeError],
    ['no url', { url: undefined }, TypeError],
    ['an empty url list', { url: [] }, TypeError],
    ['a url list with a non-string', { url: ['ws://a', 3] }, TypeError],
    ['an empty document name', { document: '' }, TypeError],
    ['a user without a colour', { user: { name: 'Ada' } }, TypeError],
    ['a colour that is not #rrggbb', { user: { name: 'Ada', color: 'red' } }, TypeError],
    ['a blank name', { user: { name: '  ', color: '#e11d48' } }, TypeError],
    ['a name over 64 characters', { user: { name: 'x'.repeat(65), color: '#e11d48' } }, RangeError],
    ['a non-string token', { token: 42 }, TypeError],
    ['offline that is not a boolean', { offline: 'yes' }, TypeError],
    ['extensions that are not an array', { extensions: {} }, TypeError],
    ['StarterKit history turned back on', { starterKit: { undoRedo: {} } }, TypeError],
    ['an empty field', { field: '' }, TypeError],
  ];
  for (const [what, change, errorType] of invalid) {
    it(`throws ${errorType.name} for ${what}`, () => {
      expect(() => resolveEditorOptions({ ...valid, ...change })).toThrow(errorType);
    });
  }
});
