import { readdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { StorageError } from '@quire/storage';
import { openFailure } from './open-failure.ts';

/** What a directory holds, as LevelDB lays it out. */
export interface LevelDirectory {
  readonly exists: boolean;
  /** Tables, write-ahead logs or manifests: data LevelDB would own. */
  readonly hasDataFiles: boolean;
  /** The file naming the live manifest; without it LevelDB cannot find its data. */
  readonly hasCurrent: boolean;
}

const DATA_FILE = /^(?:\d+\.(?:ldb|sst|log)|MANIFEST-\d+)$/;

export async function inspectLevelDirectory(path: string): Promise<LevelDirectory> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      return { exists: false, hasDataFiles: false, hasCurrent: false };
    }
    throw new StorageError('ERR_STORAGE_READ_FAILED', `Cannot read directory ${path}`, { cause: error });
  }
  return {
    exists: true,
    hasDataFiles: names.some((name) => DATA_FILE.test(name)),
    hasCurrent: names.includes('CURRENT'),
  };
}

/**
 * Refuses a directory whose data LevelDB could not find: opened as usual, it
 * would start an empty database there and delete the files it does not know
 * as obsolete.
 */
export function assertOpenable(path: string, directory: LevelDirectory): void {
  if (directory.hasDataFiles && !directory.hasCurrent) {
    throw new StorageError(
      'ERR_STORAGE_CORRUPT',
      `LevelDB directory ${path} holds data files but no CURRENT file; ` +
        'opening it would start an empty store and delete them (repair the directory first)',
    );
  }
}

/**
 * Runs LevelDB's own repair on a directory (RepairDB: rebuilds the manifest
 * from the tables and logs it finds, keeping every record it can read). Refuses
 * a directory another process holds open, and one that is not there.
 */
export async function repairLevelDirectory(path: string): Promise<void> {
  const directory = await inspectLevelDirectory(path);
  if (!directory.exists) throw new StorageError('ERR_STORAGE_READ_FAILED', `No LevelDB directory at ${path}`);
  // LevelDB takes its lock before anything else on open: the one way to learn
  // whether a server holds the directory. Any other failure is what the
  // repair is for.
  const probe = new ClassicLevel(path);
  try {
    await probe.open({ createIfMissing: false });
    await probe.close();
  } catch (error) {
    const failure = openFailure(path, error);
    if (failure.code === 'ERR_STORAGE_LOCKED') throw failure;
  }
  try {
    await ClassicLevel.repair(path);
  } catch (error) {
    throw new StorageError('ERR_STORAGE_WRITE_FAILED', `LevelDB could not repair ${path}`, { cause: error });
  }
}
