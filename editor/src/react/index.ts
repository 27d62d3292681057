export { useQuireEditor } from './use-quire-editor.ts';
export type { QuireEditorState } from './use-quire-editor.ts';
export { QuireEditor } from './quire-editor-view.tsx';
export type { QuireEditorProps } from './quire-editor-view.tsx';
export type { UseQuireEditorOptions } from './session-key.ts';
