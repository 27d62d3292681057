export { createLevelStore } from './create-level-store.ts';
export type { LevelStoreOptions } from './create-level-store.ts';
export { openLevelBackend } from './open-level-backend.ts';
export type { LevelBackendOptions } from './open-level-backend.ts';
export { inspectLevelDirectory, repairLevelDirectory } from './level-directory.ts';
export type { LevelDirectory } from './level-directory.ts';
