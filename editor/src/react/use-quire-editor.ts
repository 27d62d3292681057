import { useEffect, useRef, useState } from 'react';
import type { Editor } from '@tiptap/core';
import type { ConnectionState } from '../connection-state.ts';
import { createEditor, type QuireEditor } from '../create-editor.ts';
import type { EditorUser } from '../editor-user.ts';
import type { PresenceEntry } from '../presence.ts';
import type { SaveState } from '../save-state.ts';
import { sessionKeyOf, type UseQuireEditorOptions } from './session-key.ts';

/** What `useQuireEditor` returns; a new object whenever something in it changes. */
export interface QuireEditorState {
  /** The Tiptap editor, or null until it is created (after the first render) and after it is destroyed. */
  readonly editor: Editor | null;
  /** As `onStatus` reports it; `connecting` before the editor exists. */
  readonly connection: ConnectionState;
  /** As `onStatus` reports it; `saved` before the editor exists (nothing is waiting). */
  readonly save: SaveState;
  /** As `onPresence` reports it, this tab first; empty before the editor exists. */
  readonly people: readonly PresenceEntry[];
  /** Everything `createEditor` returned (provider, doc, status, setUser, …), or null. */
  readonly quire: QuireEditor | null;
}

const NO_EDITOR: QuireEditorState = { editor: null, connection: 'connecting', save: 'saved', people: [], quire: null };

function stateOf(quire: QuireEditor): QuireEditorState {
  return {
    editor: quire.editor,
    connection: quire.status.connection,
    save: quire.status.save,
    people: quire.presence,
    quire,
  };
}

/**
 * A Quire editor for a React component: created by `createEditor` after the
 * component mounts, destroyed (editor, provider and socket) when it
 * unmounts. Render `editor` with Tiptap's `<EditorContent>`, or use
 * `<QuireEditor>`.
 *
 * The editor is replaced when `url`, `document`, `token`, `offline` or
 * `field` change; a changed `user` is applied with `setUser`; the other
 * options are read once, when the editor is created (give the component a
 * new React `key` to apply them).
 */
export function useQuireEditor(options: UseQuireEditorOptions): QuireEditorState {
  const [state, setState] = useState<QuireEditorState>(NO_EDITOR);
  /** The user the current editor shows, so an unchanged user is not sent to everyone again. */
  const shownUser = useRef<EditorUser | null>(null);
  const sessionKey = sessionKeyOf(options);

  // Created in an effect, never during render: React may render without
  // committing, and StrictMode runs effects, cleans up and runs them again.
  // Each run owns exactly the editor it created, so after that dance one
  // editor, one provider and one socket remain.
  useEffect(() => {
    // A detached host: <EditorContent> moves the editor's DOM into its own
    // div when it renders, and back out when it unmounts.
    const quire = createEditor({ ...options, element: document.createElement('div') });
    shownUser.current = options.user;
    const publish = (): void => setState(stateOf(quire));
    const stopStatus = quire.onStatus(publish);
    const stopPresence = quire.onPresence(publish);
    publish();
    return () => {
      stopStatus();
      stopPresence();
      shownUser.current = null;
      setState(NO_EDITOR);
      // The editor and the provider (and so the socket) go synchronously;
      // only closing the offline copy's database is left, and a failure
      // there leaves nothing for this component to undo.
      quire.destroy().catch(() => undefined);
    };
    // Only the session key: the other options are read once per editor (see above).
  }, [sessionKey]);

  const { quire } = state;
  const { name, color } = options.user;
  useEffect(() => {
    const shown = shownUser.current;
    if (quire === null || (shown?.name === name && shown.color === color)) return;
    quire.setUser({ name, color });
    shownUser.current = { name, color };
  }, [quire, name, color]);

  return state;
}
