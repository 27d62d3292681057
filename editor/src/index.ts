export { createEditor } from './create-editor.ts';
export type { QuireEditor } from './create-editor.ts';
export { resolveEditorOptions } from './editor-options.ts';
export type {
  CreateEditorOptions,
  EditorPassThroughOptions,
  EditorProviderOptions,
  ResolvedEditorOptions,
} from './editor-options.ts';
export { MAX_USER_NAME_LENGTH, isUserColor, readEditorUser } from './editor-user.ts';
export type { EditorUser } from './editor-user.ts';
export { StatusTracker } from './editor-status.ts';
export type { EditorStatus, PresenceListener, StatusListener, StatusTrackerOptions } from './editor-status.ts';
export { connectionStateOf } from './connection-state.ts';
export type { ConnectionFacts, ConnectionState } from './connection-state.ts';
export { saveStateOf } from './save-state.ts';
export type { SaveState } from './save-state.ts';
export { presenceOf } from './presence.ts';
export type { PresenceEntry } from './presence.ts';
export { OfflineCopy, offlineCopyName } from './offline-copy.ts';
