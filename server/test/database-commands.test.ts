import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLevelStore } from '@quire/storage-level';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { dataDirectoryStorage } from '../src/cli/main.ts';
import { runMigrateCommand, type Migrate, type MigrationName } from '../src/cli/migrate-command.ts';
import { runStorageCommand, type StorageAccess, type StorageCommand } from '../src/cli/storage-command.ts';

// The storage commands' choice between a data directory and a PostgreSQL
// database, `list`, and `migrate`, without a database: what they refuse and
// what they print. The same commands on a real database are in
// postgres-commands.test.ts.

afterAll(() => removeTempDirs());

interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function capture(run: (io: { stdout: { write(text: string): void }; stderr: { write(text: string): void } }) => Promise<number>): Promise<Output> {
  let stdout = '';
  let stderr = '';
  const code = await run({ stdout: { write: (text) => void (stdout += text) }, stderr: { write: (text) => void (stderr += text) } });
  return { code, stdout, stderr };
}

const runStorage = (command: StorageCommand, args: readonly string[], env: NodeJS.ProcessEnv = {}, storage: StorageAccess = dataDirectoryStorage) =>
  capture((io) => runStorageCommand(command, args, env, io, storage));

describe('list', () => {
  it('prints one tab-separated line per document: name, stored bytes, last change', async () => {
    const dataDir = await createTempDir();
    const store = await createLevelStore({ path: dataDir });
    for (const name of ['notes/a', 'notes/b']) {
      const doc = new Y.Doc();
      doc.getText('text').insert(0, name);
      await store.append(name, Y.encodeStateAsUpdate(doc));
    }
    await store.close();
    const result = await runStorage('list', ['--data-dir', dataDir]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(lines.map(([name]) => name).sort()).toEqual(['notes/a', 'notes/b']);
    for (const [, bytes, changed] of lines) {
      expect(Number(bytes)).toBeGreaterThan(0);
      expect(new Date(changed!).toISOString()).toBe(changed);
    }
  });

  it('says on stderr that there is nothing, and takes no arguments', async () => {
    const dataDir = await createTempDir();
    await (await createLevelStore({ path: dataDir })).close();
    expect(await runStorage('list', ['--data-dir', dataDir])).toEqual({ code: 0, stdout: '', stderr: 'quire-server: no stored documents\n' });
    expect((await runStorage('list', ['doc', '--data-dir', dataDir])).stderr).toMatch(/list takes no arguments/);
  });
});

describe('the storage commands with a database URL', () => {
  const openedDatabases: string[] = [];
  const refusing: StorageAccess = {
    ...dataDirectoryStorage,
    open: () => Promise.reject(new Error('no data directory may be opened')),
    openDatabase: (url) => {
      openedDatabases.push(url);
      return Promise.reject(new Error('connection refused'));
    },
  };

  it('open the database instead of the data directory, from the flag or DATABASE_URL', async () => {
    const flag = await runStorage('check', ['--database-url', 'postgres://db.invalid/quire', '--data-dir', '/nowhere'], {}, refusing);
    expect(flag).toMatchObject({ code: 1, stderr: 'quire-server: cannot open storage: connection refused\n' });
    const env = await runStorage('export', ['doc', '--file', 'out.yjs'], { DATABASE_URL: 'postgres://env.invalid/quire' }, refusing);
    expect(env.code).toBe(1);
    expect(openedDatabases).toEqual(['postgres://db.invalid/quire', 'postgres://env.invalid/quire']);
  });

  it('refuse repair-storage, which is for LevelDB, and a URL that is not PostgreSQL', async () => {
    const repairStorage = await runStorage('repair-storage', ['--database-url', 'postgres://db.invalid/quire'], {}, refusing);
    expect(repairStorage.code).toBe(1);
    expect(repairStorage.stderr).toMatch(/repair-storage repairs a LevelDB data directory/);
    expect((await runStorage('check', [], { DATABASE_URL: 'redis://cache' }, refusing)).stderr).toMatch(/invalid --database-url: redis: URL/);
  });

  it('say so when the build has no PostgreSQL storage', async () => {
    const result = await runStorage('list', ['--database-url', 'postgres://db.invalid/quire']);
    expect(result).toMatchObject({ code: 1, stderr: 'quire-server: cannot open storage: this build stores documents in data directories only\n' });
  });
});

describe('migrate', () => {
  const applying = (applied: readonly MigrationName[]): Migrate & { urls: string[] } => {
    const urls: string[] = [];
    return Object.assign((url: string) => {
      urls.push(url);
      return Promise.resolve(applied);
    }, { urls });
  };

  it('refuses without a database URL, and extra arguments', async () => {
    const migrate = applying([]);
    const result = await capture((io) => runMigrateCommand([], {}, io, migrate));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/migrate needs --database-url \(or DATABASE_URL\)/);
    expect((await capture((io) => runMigrateCommand(['now'], {}, io, migrate))).stderr).toMatch(/migrate takes no arguments/);
    expect(migrate.urls).toEqual([]);
  });

  it('prints what it applied, or that the schema is current, without the password', async () => {
    const url = 'postgres://quire:s3cret@db.internal/quire';
    const applied = await capture((io) => runMigrateCommand(['--database-url', url], {}, io, applying([{ version: 1, name: 'documents' }, { version: 2, name: 'sequences' }])));
    expect(applied).toEqual({
      code: 0,
      stdout: 'applied migration 1: documents\napplied migration 2: sequences\napplied 2 migrations to postgres://quire:[redacted]@db.internal/quire\n',
      stderr: '',
    });
    const current = await capture((io) => runMigrateCommand([], { DATABASE_URL: url }, io, applying([])));
    expect(current.stdout).toBe('the schema of postgres://quire:[redacted]@db.internal/quire is current: no migration to apply\n');
  });

  it('exits 1 with the reason when the database refuses', async () => {
    const failing: Migrate = () => Promise.reject(new Error('password authentication failed for user "quire"'));
    const result = await capture((io) => runMigrateCommand(['--database-url', 'postgres://quire:s3cret@db.internal/quire'], {}, io, failing));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('quire-server: cannot migrate postgres://quire:[redacted]@db.internal/quire: password authentication failed for user "quire"\n');
  });
});
