import { StorageError } from '@quire/storage';

/**
 * Turns a failed LevelDB open into a StorageError. abstract-level wraps the
 * binding's error (LEVEL_LOCKED, LEVEL_CORRUPTION) in LEVEL_DATABASE_NOT_OPEN, so
 * the whole cause chain is searched.
 */
export function openFailure(path: string, error: unknown): StorageError {
  const codes = errorCodes(error);
  if (codes.includes('LEVEL_LOCKED')) {
    return new StorageError(
      'ERR_STORAGE_LOCKED',
      `LevelDB directory ${path} is locked: another process (or another store in this process) has it open`,
      { cause: error },
    );
  }
  if (codes.includes('LEVEL_CORRUPTION')) {
    return new StorageError('ERR_STORAGE_CORRUPT', `LevelDB directory ${path} is corrupt`, { cause: error });
  }
  return new StorageError('ERR_STORAGE_READ_FAILED', `Failed to open LevelDB directory ${path}`, { cause: error });
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if ('code' in current && typeof current.code === 'string') codes.push(current.code);
    current = current.cause;
  }
  return codes;
}
