import type { CreateEditorOptions } from '../editor-options.ts';

/** What `useQuireEditor` takes: `createEditor`'s options without `element` (the hook makes its own). */
export type UseQuireEditorOptions = Omit<CreateEditorOptions, 'element'>;

/**
 * The options that decide which connection an editor has: when this key
 * changes, the hook replaces the editor. Everything else is taken when the
 * editor is created, so an options object written inline in a component
 * (a new object on every render) does not reconnect.
 */
export function sessionKeyOf(options: UseQuireEditorOptions): string {
  const urls: unknown = typeof options.url === 'string' ? [options.url] : options.url;
  return JSON.stringify([urls, options.document, options.token ?? null, options.offline ?? false, options.field ?? 'default']);
}
