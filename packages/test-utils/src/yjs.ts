// Helpers that load Yjs, apart from the main entry: a test that fakes the
// clock must install its fake before lib0 first reads Date.now, which
// importing Yjs does.
export { toLegacyForm } from './legacy-update-form.ts';
export { AUTHORS, authoredHistory, clientIds, editOp, groupsOf, history, replay } from './yjs-history.ts';
export type { EditOp } from './yjs-history.ts';
