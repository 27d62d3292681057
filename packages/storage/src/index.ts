export type { CurrentStateSource, DocumentStore, DocumentInfo, DroppedEntry, RepairReport, StoredDocument } from './document-store.ts';
export { StorageError, isStorageError } from './storage-error.ts';
export type { StorageErrorCode, StorageErrorOptions } from './storage-error.ts';
export type { StorageBackend, LogEntry, NewLogEntry, LogStats } from './storage-backend.ts';
export { createDocumentStore } from './create-document-store.ts';
export { DEFAULT_COMPACT_AFTER_ENTRIES, DEFAULT_COMPACT_AFTER_BYTES } from './compaction-thresholds.ts';
export type { DocumentStoreOptions, CompactionInfo } from './create-document-store.ts';
export { createMemoryBackend, createMemoryStore } from './memory-backend.ts';
