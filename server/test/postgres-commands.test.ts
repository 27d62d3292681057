import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTempDir, createTestDatabase, needPostgres, removeTempDirs, SERVER_CLI, type TestDatabase } from '@quire/test-utils';
import { commandStorage } from '../src/cli/main.ts';
import { runStorageCommand, type StorageCommand } from '../src/cli/storage-command.ts';

// migrate and the storage commands (check, list, export, import, repair) on a
// real PostgreSQL database: migrate through the built CLI, the others
// in-process with the storage the CLI gives them.

const run = promisify(execFile);
const postgres = await needPostgres();

afterAll(() => removeTempDirs());

function cliEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, REDIS_URL: _redis, QUIRE_NODE_ID: _nodeId, ...env } = process.env;
  return env;
}

async function runOn(url: string, command: StorageCommand, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runStorageCommand(command, args, { DATABASE_URL: url }, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  }, commandStorage);
  return { code, stdout, stderr };
}

function updateWithText(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe.skipIf(!postgres.ok)('commands on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('a command on a database without the schema changes nothing and says to migrate', async () => {
    const result = await runOn(database.url, 'list', []);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^quire-server: cannot open storage: /);
  });

  it('migrate creates the schema once, then finds it current', async () => {
    const first = await run(process.execPath, [SERVER_CLI, 'migrate', '--database-url', database.url], { env: cliEnv() });
    expect(first.stdout).toMatch(/^applied migration 1: .+\n/);
    expect(first.stdout).toMatch(/applied \d+ migrations? to postgres:\/\//);
    const again = await run(process.execPath, [SERVER_CLI, 'migrate'], { env: { ...cliEnv(), DATABASE_URL: database.url } });
    expect(again.stdout).toMatch(/is current: no migration to apply\n$/);
    const refused = await run(process.execPath, [SERVER_CLI, 'migrate'], { env: cliEnv() }).catch((error: unknown) => error as { code: number; stderr: string });
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/migrate needs --database-url/);
  });

  it('import, list, check, export and repair work on the database', async () => {
    const directory = await createTempDir();
    const seed = join(directory, 'seed.yjs');
    await writeFile(seed, updateWithText('from a file'));

    const imported = await runOn(database.url, 'import', ['notes/seeded', '--file', seed]);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toMatch(/^imported \d+ bytes from .* into document "notes\/seeded"/);

    const listed = await runOn(database.url, 'list', []);
    expect(listed.code).toBe(0);
    const [name, bytes, changed] = listed.stdout.trimEnd().split('\t');
    expect(name).toBe('notes/seeded');
    expect(Number(bytes)).toBeGreaterThan(0);
    expect(new Date(changed!).toISOString()).toBe(changed);

    const checked = await runOn(database.url, 'check', []);
    expect(checked).toMatchObject({ code: 0, stderr: '' });
    expect(checked.stdout).toMatch(/^ok {8}notes\/seeded \(1 entry, \d+ bytes\)\nchecked 1 document: 0 cannot be read\n$/);

    const out = join(directory, 'out.yjs');
    const exported = await runOn(database.url, 'export', ['notes/seeded', '--file', out]);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    const copy = await runOn(database.url, 'import', ['notes/copy', '--file', out]);
    expect(copy.code).toBe(0);
    const back = join(directory, 'back.yjs');
    expect((await runOn(database.url, 'export', ['notes/copy', '--file', back])).code).toBe(0);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(await readFile(back)));
    expect(doc.getText('text').toString()).toBe('from a file');

    const repaired = await runOn(database.url, 'repair', ['notes/copy', '--dry-run']);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('nothing to repair');

    expect((await runOn(database.url, 'repair-storage', [])).stderr).toMatch(/repair-storage repairs a LevelDB data directory/);
  });
});
