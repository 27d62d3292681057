import type { ReactElement } from 'react';
import { EditorContent } from '@tiptap/react';
import type { UseQuireEditorOptions } from './session-key.ts';
import { useQuireEditor } from './use-quire-editor.ts';

export interface QuireEditorProps {
  /** See `useQuireEditor`: changing `url`, `document`, `token`, `offline` or `field` reconnects. */
  readonly options: UseQuireEditorOptions;
  readonly className?: string;
}

/**
 * The editor's content in a `<div>` (Tiptap's `EditorContent`, so React node
 * views work), carrying `data-connection` and `data-save` with the states
 * for styling. For toolbars or a status bar, use `useQuireEditor` instead.
 */
export function QuireEditor({ options, className }: QuireEditorProps): ReactElement {
  const { editor, connection, save } = useQuireEditor(options);
  return <EditorContent editor={editor} className={className} data-connection={connection} data-save={save} />;
}
