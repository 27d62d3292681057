import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import StarterKit from '@tiptap/starter-kit';
import * as Y from 'yjs';
import { QuireProvider, type EventTargetLike } from '@quire/provider';
import { resolveEditorOptions, type CreateEditorOptions } from './editor-options.ts';
import { requireEditorUser, type EditorUser } from './editor-user.ts';
import { StatusTracker, type EditorStatus, type PresenceListener, type StatusListener } from './editor-status.ts';
import { OfflineCopy } from './offline-copy.ts';
import type { PresenceEntry } from './presence.ts';

/** What `createEditor` returns: the Tiptap editor, the provider, and status for the UI. */
export interface QuireEditor {
  readonly editor: Editor;
  readonly provider: QuireProvider;
  readonly doc: Y.Doc;
  /** The IndexedDB copy, when `offline` is on. */
  readonly offlineCopy: OfflineCopy | null;
  /** Connection and save state now. */
  readonly status: EditorStatus;
  /** The people with the document open now, this tab first. */
  readonly presence: readonly PresenceEntry[];
  /** Calls `listener` on every status change; returns a function that stops it. */
  onStatus(listener: StatusListener): () => void;
  /** Calls `listener` when someone comes, goes, or changes name or colour. */
  onPresence(listener: PresenceListener): () => void;
  /** Changes this user's name and colour, for everyone. */
  setUser(user: EditorUser): void;
  /**
   * Destroys the editor and the provider, and closes the offline copy (kept
   * for the next visit). Resolves once the IndexedDB database is closed.
   */
  destroy(): Promise<void>;
}

function browserOnlineTarget(): EventTargetLike | null {
  const target = globalThis as Partial<EventTargetLike>;
  return typeof target.addEventListener === 'function' && typeof target.removeEventListener === 'function'
    ? (target as EventTargetLike)
    : null;
}

function isBrowserOnline(): boolean {
  const navigatorLike = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  return typeof navigatorLike?.onLine === 'boolean' ? navigatorLike.onLine : true;
}

/**
 * Creates a Tiptap editor bound to a document on a Quire server: StarterKit
 * (its own history off), Collaboration with collaborative undo (each user
 * undoes only their own edits), carets with names, and, with `offline`, a
 * copy in IndexedDB so a reload while offline keeps the user's edits.
 */
export function createEditor(options: CreateEditorOptions): QuireEditor {
  const settings = resolveEditorOptions(options);
  const doc = new Y.Doc();
  // The offline copy starts loading first, so what it holds is in the doc as
  // early as possible; the provider counts it as unsaved until acknowledged.
  const offlineCopy = settings.offline ? new OfflineCopy(settings.urls[0] ?? '', settings.document, doc) : null;
  let provider: QuireProvider;
  try {
    provider = new QuireProvider({
      ...settings.provider,
      urls: settings.urls,
      document: settings.document,
      doc,
      ...(settings.token === undefined ? {} : { token: settings.token }),
    });
  } catch (error) {
    void offlineCopy?.close();
    doc.destroy();
    throw error;
  }
  const onlineTarget =
    settings.provider.onlineTarget === undefined ? browserOnlineTarget() : settings.provider.onlineTarget;
  const tracker = new StatusTracker({ provider, awareness: provider.awareness, onlineTarget, isBrowserOnline });

  let editor: Editor;
  try {
    editor = new Editor({
      ...settings.editorOptions,
      element: settings.element,
      extensions: [
        StarterKit.configure({ ...settings.starterKit, undoRedo: false }),
        Collaboration.configure({ document: doc, field: settings.field }),
        CollaborationCaret.configure({ provider, user: { ...settings.user } }),
        ...settings.extensions,
      ],
    });
  } catch (error) {
    tracker.destroy();
    provider.destroy();
    void offlineCopy?.close();
    doc.destroy();
    throw error;
  }

  let destroying: Promise<void> | undefined;
  const destroy = async (): Promise<void> => {
    editor.destroy();
    tracker.destroy();
    provider.destroy();
    try {
      await offlineCopy?.close();
    } finally {
      doc.destroy();
    }
  };

  return {
    editor,
    provider,
    doc,
    offlineCopy,
    get status() {
      return tracker.status;
    },
    get presence() {
      return tracker.presence;
    },
    onStatus: (listener) => tracker.onStatus(listener),
    onPresence: (listener) => tracker.onPresence(listener),
    setUser(user) {
      const checked = requireEditorUser(user);
      editor.commands.updateUser({ ...checked });
    },
    destroy: () => (destroying ??= destroy()),
  };
}
