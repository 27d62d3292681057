import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLevelStore, openLevelBackend } from '@quire/storage-level';
import { integrateOneByOne, readOutOfOrderLog } from '@quire/storage/test-suite';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { dataDirectoryStorage } from '../src/cli/main.ts';
import { describeFileError } from '../src/cli/file-error.ts';
import { runStorageCommand, type StorageCommand } from '../src/cli/storage-command.ts';

// The check, repair and repair-storage commands in-process: arguments, exit statuses and
// what they print. The corrupt-document path against the real CLI and a
// real server is row 33 in hostile/storage.test.ts.

afterAll(() => removeTempDirs());

async function run(command: StorageCommand, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runStorageCommand(command, args, env, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  }, dataDirectoryStorage);
  return { code, stdout, stderr };
}

async function directoryWith(docName: string, text: string): Promise<string> {
  const dataDir = await createTempDir();
  const store = await createLevelStore({ path: dataDir });
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  await store.append(docName, Y.encodeStateAsUpdate(doc));
  await store.close();
  return dataDir;
}

/** The document's text and log size as stored, read with the directory closed again. */
async function storedText(dataDir: string, docName: string): Promise<{ text: string; entries: number } | null> {
  const store = await createLevelStore({ path: dataDir });
  try {
    const stored = await store.load(docName);
    if (stored === null) return null;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored.update);
    return { text: doc.getText('text').toString(), entries: stored.entryCount };
  } finally {
    await store.close();
  }
}

describe('storage commands', () => {
  it('refuse wrong arguments with the usage text', async () => {
    for (const [command, args, problem] of [
      ['repair', [], /repair takes one document name/],
      ['repair', ['a', 'b'], /repair takes one document name/],
      ['check', ['extra'], /check takes no arguments/],
      ['check', ['--dry-run'], /--dry-run is for repair/],
      ['repair-storage', ['extra'], /repair-storage takes no arguments/],
      ['repair-storage', ['--dry-run'], /--dry-run is for repair/],
      ['export', ['doc'], /export needs --file/],
      ['import', ['doc'], /import needs --file/],
      ['export', ['--file', 'x'], /export takes one document name/],
      ['check', ['--file', 'x'], /--file is for export and import/],
      ['check', ['--verbose'], /Unknown option '--verbose'/],
    ] as const) {
      const result = await run(command, args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(problem);
      expect(result.stderr).toContain('quire-server repair <document>');
    }
  });

  it('never create a data directory that is not there', async () => {
    const missing = join(await createTempDir(), 'nothing-here');
    const result = await run('check', ['--data-dir', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no data directory at ${missing}`);
    expect((await run('check', [], { QUIRE_DATA_DIR: missing })).stderr).toContain(missing);
    expect((await run('repair-storage', ['--data-dir', missing])).stderr).toContain(`no data directory at ${missing}`);
  });

  it('check lists healthy documents and exits 0; repair leaves a healthy document as it is', async () => {
    const dataDir = await directoryWith('notes/today', 'hello');
    const checked = await run('check', [], { QUIRE_DATA_DIR: dataDir });
    expect(checked).toMatchObject({ code: 0, stderr: '' });
    expect(checked.stdout).toMatch(/^ok +notes\/today \(1 entry, \d+ bytes\)$/m);
    expect(checked.stdout).toContain('checked 1 document: 0 cannot be read');

    const repaired = await run('repair', ['notes/today', '--data-dir', dataDir]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('nothing to repair: every entry can be read');
    const store = await createLevelStore({ path: dataDir });
    const stored = await store.load('notes/today');
    await store.close();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored!.update);
    expect(doc.getText('text').toString()).toBe('hello');
  });

  it('repair of a document that has no entries says so and exits 1', async () => {
    const dataDir = await directoryWith('present', 'x');
    const result = await run('repair', ['absent', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('document "absent" has no stored entries');
    const invalid = await run('repair', ['../escape', '--data-dir', dataDir]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Invalid document name/);
  });

  it('export writes a document to a file, never over one; import merges it into another document', async () => {
    const dataDir = await directoryWith('source', 'from the source');
    const file = join(await createTempDir(), 'source.yjs');
    const exported = await run('export', ['source', '--file', file, '--data-dir', dataDir]);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toMatch(/^exported document "source" \(\d+ bytes\) to /);
    const bytes = await readFile(file);

    const again = await run('export', ['source', '--file', file, '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${file}: the file already exists; choose another name`);
    expect(again.stderr).not.toMatch(/EEXIST/);
    expect(await readFile(file)).toEqual(bytes);

    // Into a new document, then into one that has content of its own: the CRDT merges both.
    expect((await run('import', ['copy', '--file', file, '--data-dir', dataDir])).code).toBe(0);
    expect(await storedText(dataDir, 'copy')).toEqual({ text: 'from the source', entries: 1 });
    const target = await directoryWith('target', 'own text ');
    const imported = await run('import', ['target', '--file', file, '--data-dir', target]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^imported \d+ bytes from .* into document "target", which now holds \d+ bytes$/m);
    const merged = await storedText(target, 'target');
    expect(merged?.entries).toBe(2);
    expect(merged?.text).toContain('own text ');
    expect(merged?.text).toContain('from the source');
  });

  it('import refuses what is not a Yjs update, or builds on content the document lacks, and writes nothing', async () => {
    const dataDir = await directoryWith('kept', 'unchanged');
    const folder = await createTempDir();
    const garbage = join(folder, 'garbage.bin');
    await writeFile(garbage, Uint8Array.of(0xff, 0xfe, 0x01));
    const refused = await run('import', ['kept', '--file', garbage, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not a Yjs update/);

    // The second of two edits, without the first.
    const author = new Y.Doc();
    author.getText('text').insert(0, 'first ');
    const afterFirst = Y.encodeStateVector(author);
    author.getText('text').insert(6, 'second');
    const dangling = join(folder, 'dangling.yjs');
    await writeFile(dangling, Y.encodeStateAsUpdate(author, afterFirst));
    const gap = await run('import', ['kept', '--file', dangling, '--data-dir', dataDir]);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/builds on content document "kept" does not hold/);

    expect(await storedText(dataDir, 'kept')).toEqual({ text: 'unchanged', entries: 1 });
    expect((await run('import', ['new-one', '--file', garbage, '--data-dir', dataDir])).code).toBe(1);
    expect(await storedText(dataDir, 'new-one')).toBeNull();
    expect((await run('export', ['absent', '--file', join(folder, 'absent.yjs'), '--data-dir', dataDir])).stderr).toMatch(
      /document "absent" has no stored entries/,
    );
  });

  it('check also finds content that builds on a missing entry, which repair then leaves out', async () => {
    const dataDir = await createTempDir();
    const author = new Y.Doc();
    author.getText('text').insert(0, 'first ');
    const afterFirst = Y.encodeStateVector(author);
    author.getText('text').insert(6, 'second');
    // Written past the store's checks, as a damaged directory would hold it.
    const backend = await openLevelBackend({ path: dataDir });
    await backend.appendEntries([{ docName: 'gap', update: Y.encodeStateAsUpdate(author, afterFirst) }]);
    await backend.close();

    const checked = await run('check', ['--data-dir', dataDir]);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toMatch(/^UNREADABLE gap: \d+ bytes build on content the document lacks$/m);
    const repaired = await run('repair', ['gap', '--data-dir', dataDir]);
    expect(repaired.stdout).toMatch(/left out \d+ bytes of content that builds on content the document lacks/);
    expect((await run('check', ['--data-dir', dataDir])).code).toBe(0);
    expect(await storedText(dataDir, 'gap')).toEqual({ text: '', entries: 1 });
  });

  it('check finds a log an older server wrote out of Yjs form, repair rewrites it whole, and export and import carry it whole', async () => {
    const dataDir = await createTempDir();
    const entries = readOutOfOrderLog();
    const backend = await openLevelBackend({ path: dataDir });
    for (const update of entries) await backend.appendEntries([{ docName: 'old', update }]);
    await backend.close();
    const expected = integrateOneByOne(entries);

    const checked = await run('check', ['--data-dir', dataDir]);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toMatch(/^UNREADABLE old: 7 log entries are not in Yjs's canonical form; merging the log as stored gives another document than its entries one by one$/m);
    const dryRun = await run('repair', ['old', '--data-dir', dataDir, '--dry-run']);
    expect(dryRun.stdout).toContain('merging the log as stored loses content');
    expect(dryRun.stdout).toContain('dry run: nothing written');
    const repaired = await run('repair', ['old', '--data-dir', dataDir]);
    expect(repaired.stdout).toContain('log replaced by the rebuilt document');
    expect((await run('check', ['--data-dir', dataDir])).code).toBe(0);

    const file = join(await createTempDir(), 'old.yjs');
    expect((await run('export', ['old', '--file', file, '--data-dir', dataDir])).code).toBe(0);
    expect((await run('import', ['copy', '--file', file, '--data-dir', dataDir])).code).toBe(0);
    const store = await createLevelStore({ path: dataDir });
    try {
      for (const name of ['old', 'copy']) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, (await store.load(name))!.update);
        expect(doc.getMap('edits').size).toBe(2999);
        expect(doc.getText('text').length).toBe(403);
        expect(Y.equalSnapshots(Y.snapshot(doc), Y.snapshot(expected))).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('say what went wrong with a file in words, never with an errno', async () => {
    const dataDir = await directoryWith('doc', 'text');
    const folder = await createTempDir();
    const aFile = join(folder, 'a-file');
    await writeFile(aFile, 'x');
    const cases: [StorageCommand, string, string][] = [
      ['import', join(folder, 'missing.yjs'), 'no such file'],
      ['export', join(folder, 'missing-folder', 'doc.yjs'), 'no such file'],
      ['import', folder, 'that is a directory; give a file'],
      ['export', aFile, 'the file already exists; choose another name'],
      ['import', join(aFile, 'inside.yjs'), 'a part of the path is not a directory'],
      ['export', join(aFile, 'inside.yjs'), 'a part of the path is not a directory'],
    ];
    // Root reads and writes anything, so permissions can only be tested as another user.
    const locked = join(folder, 'locked');
    if (process.getuid?.() !== 0) {
      await mkdir(locked);
      await writeFile(join(locked, 'unreadable.yjs'), 'x');
      await chmod(join(locked, 'unreadable.yjs'), 0o000);
      await chmod(locked, 0o500);
      cases.push(['import', join(locked, 'unreadable.yjs'), 'permission denied'], ['export', join(locked, 'new.yjs'), 'permission denied']);
    }
    for (const [command, file, words] of cases) {
      const result = await run(command, ['doc', '--file', file, '--data-dir', dataDir]);
      expect(result.code, `${command} ${file}`).toBe(1);
      expect(result.stderr).toBe(`quire-server: ${file}: ${words}\n`);
    }
    // So the temporary directories can be removed.
    if (process.getuid?.() !== 0) await chmod(locked, 0o700);
  });

  it('name a full disk and a refused permission in words too', () => {
    const failure = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    expect(describeFileError(failure('ENOSPC'), 'out.yjs')).toBe('out.yjs: no space left on the device');
    expect(describeFileError(failure('EACCES'), 'out.yjs')).toBe('out.yjs: permission denied');
    expect(describeFileError(failure('EPERM'), 'out.yjs')).toBe('out.yjs: permission denied');
    expect(describeFileError(failure('EWHATEVER'), 'out.yjs')).toBeUndefined();
    expect(describeFileError('not an error', 'out.yjs')).toBeUndefined();
  });
});
