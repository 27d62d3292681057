import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { unexpectedCase } from '@quire/protocol';
import { isStorageError, type DocumentStore, type RepairReport } from '@quire/storage';
import { readSetting, settingFlags } from './cli-config.ts';
import { exportDocument, importDocument } from './document-transfer.ts';
import { describeFileError } from './file-error.ts';

/** Each command, with the number of document names it takes. */
const COMMANDS = { check: 0, list: 0, repair: 1, 'repair-storage': 0, export: 1, import: 1 } as const;

export type StorageCommand = keyof typeof COMMANDS;

export function isStorageCommand(word: string | undefined): word is StorageCommand {
  return word !== undefined && Object.hasOwn(COMMANDS, word);
}

export const STORAGE_COMMAND_USAGE = `Storage commands (on a data directory, run them with the server stopped: one
process per directory; with --database-url or DATABASE_URL they work on that
PostgreSQL database instead, whose schema quire-server migrate creates):
  quire-server check [--data-dir DIR | --database-url URL]
      rebuilds every stored document in memory and lists those that cannot
      be read whole (exit 2 when there is one)
  quire-server list [--data-dir DIR | --database-url URL]
      one line per stored document: its name, stored bytes and last change
      (ISO 8601), separated by tabs
  quire-server repair <document> [--data-dir DIR | --database-url URL] [--dry-run]
      rebuilds the document from the entries of its log that can be read
      and reports every entry and byte it leaves out; --dry-run only reports
  quire-server repair-storage [--data-dir DIR]
      when the data directory itself cannot be opened: runs LevelDB's own
      repair (keeps every record it can read), then checks every document;
      LevelDB only
  quire-server export <document> --file FILE [--data-dir DIR | --database-url URL]
      writes the document to FILE as one Yjs update (never overwrites FILE)
  quire-server import <document> --file FILE [--data-dir DIR | --database-url URL]
      merges the Yjs update in FILE into the document (a new one if absent);
      refused unless it decodes and builds only on content the document holds
`;

/** Where the command writes: the CLI passes process.stdout and process.stderr. */
export interface CommandOutput {
  write(text: string): unknown;
}

export interface CommandStreams {
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
}

/** The storage the commands open; the composition root decides which backends. */
export interface StorageAccess {
  open(dataDir: string): Promise<DocumentStore>;
  /** Repairs the directory beneath the store (for LevelDB, its manifest and tables). */
  repairDirectory(dataDir: string): Promise<void>;
  /**
   * The PostgreSQL database at `url`, its schema as it is (a command never
   * creates one where none was meant). Absent: only data directories.
   */
  openDatabase?(url: string): Promise<DocumentStore>;
}

/** Where a command's documents are: a data directory, or a database when a URL is set. */
type StorageLocation = { readonly kind: 'directory'; readonly dataDir: string } | { readonly kind: 'database'; readonly url: string };

interface CommandLine {
  readonly location: StorageLocation;
  /** The document name, for the commands that take one. */
  readonly docName: string | undefined;
  readonly dryRun: boolean;
  readonly file: string | undefined;
}

/** The command's arguments, or what is wrong with them. */
function readCommandLine(command: StorageCommand, argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine | string {
  let values: Readonly<Record<string, string | boolean | undefined>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      // --data-dir, --database-url and their variables are read as the server reads them.
      options: { ...settingFlags(['dataDir', 'databaseUrl']), 'dry-run': { type: 'boolean' }, file: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    return messageOf(error);
  }
  if (positionals.length !== COMMANDS[command]) {
    return COMMANDS[command] === 1 ? `${command} takes one document name` : `${command} takes no arguments`;
  }
  const dryRun = values['dry-run'] === true;
  if (command !== 'repair' && dryRun) return '--dry-run is for repair';
  const transfers = command === 'export' || command === 'import';
  const file = typeof values['file'] === 'string' ? values['file'] : undefined;
  if (transfers && file === undefined) return `${command} needs --file`;
  if (!transfers && file !== undefined) return '--file is for export and import';
  let databaseUrl: string;
  try {
    databaseUrl = readSetting('databaseUrl', values, env);
  } catch (error) {
    return messageOf(error);
  }
  if (databaseUrl !== '' && command === 'repair-storage') {
    return 'repair-storage repairs a LevelDB data directory, and --database-url (or DATABASE_URL) names a PostgreSQL database: check and repair <document> work on it';
  }
  const location: StorageLocation =
    databaseUrl === '' ? { kind: 'directory', dataDir: resolve(readSetting('dataDir', values, env)) } : { kind: 'database', url: databaseUrl };
  return { location, docName: positionals[0], dryRun, file };
}

/** Exit statuses: 0 done, 1 usage or storage error, 2 `check` found documents that cannot be read. */
export async function runStorageCommand(
  command: StorageCommand,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandStreams,
  storage: StorageAccess,
): Promise<number> {
  const line = readCommandLine(command, argv, env);
  if (typeof line === 'string') return usageError(io.stderr, line);
  const { location } = line;
  if (location.kind === 'database') return runOnOpened(command, line, () => openDatabase(storage, location.url), io);
  const { dataDir } = location;
  // Opening the store would create an empty one where none was meant.
  if (!existsSync(dataDir)) {
    io.stderr.write(`quire-server: no data directory at ${dataDir}\n`);
    return 1;
  }
  if (command === 'repair-storage') {
    try {
      await storage.repairDirectory(dataDir);
    } catch (error) {
      io.stderr.write(`quire-server: ${messageOf(error)}${hintFor(error)}${causeOf(error)}\n`);
      return 1;
    }
    io.stdout.write(`repaired the storage in ${dataDir}; checking every document:\n`);
  }
  return runOnOpened(command, line, () => storage.open(dataDir), io);
}

function openDatabase(storage: StorageAccess, url: string): Promise<DocumentStore> {
  if (storage.openDatabase === undefined) return Promise.reject(new Error('this build stores documents in data directories only'));
  return storage.openDatabase(url);
}

/** Opens the store, runs the command on it and closes it. */
async function runOnOpened(command: StorageCommand, line: CommandLine, open: () => Promise<DocumentStore>, io: CommandStreams): Promise<number> {
  let store: DocumentStore;
  try {
    store = await open();
  } catch (error) {
    io.stderr.write(`quire-server: cannot open storage: ${messageOf(error)}${hintFor(error)}\n`);
    return 1;
  }
  try {
    return await runOnStore(command, line, store, io);
  } catch (error) {
    io.stderr.write(`quire-server: ${messageOf(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

async function runOnStore(command: StorageCommand, line: CommandLine, store: DocumentStore, io: CommandStreams): Promise<number> {
  const { docName, file } = line;
  switch (command) {
    case 'repair':
      return repair(store, docName!, line.dryRun, io);
    case 'export': {
      const update = await exportDocument(store, docName!);
      await onFile(file!, () => writeFile(file!, update, { flag: 'wx' }));
      io.stdout.write(`exported document "${docName}" (${count(update.byteLength, 'byte', 'bytes')}) to ${file}\n`);
      return 0;
    }
    case 'import': {
      const update = new Uint8Array(await onFile(file!, () => readFile(file!)));
      const merged = await importDocument(store, docName!, update);
      io.stdout.write(
        `imported ${count(update.byteLength, 'byte', 'bytes')} from ${file} into document "${docName}", ` +
          `which now holds ${count(merged, 'byte', 'bytes')}\n`,
      );
      return 0;
    }
    case 'check':
    case 'repair-storage':
      return check(store, io.stdout);
    case 'list':
      return list(store, io);
    default:
      return unexpectedCase(command);
  }
}

/** Runs a file operation; its fs error becomes a message in words (see file-error.ts). */
async function onFile<T>(path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new Error(describeFileError(error, path) ?? messageOf(error), { cause: error });
  }
}

async function check(store: DocumentStore, out: CommandOutput): Promise<number> {
  const documents = await store.list();
  let unreadable = 0;
  for (const { name, storedBytes } of documents) {
    // What a repair would find, without its write: every entry decoded and
    // integrated, so content that builds on a missing entry shows too.
    let problems: string[];
    let entries = 0;
    try {
      const report = await store.repair(name, { dryRun: true });
      entries = report?.entriesRead ?? 0;
      problems = report === null ? [] : problemsOf(report);
    } catch (error) {
      problems = [`${messageOf(error)}${causeOf(error)}`];
    }
    if (problems.length === 0) {
      out.write(`ok        ${name} (${count(entries, 'entry', 'entries')}, ${count(storedBytes, 'byte', 'bytes')})\n`);
    } else {
      unreadable += 1;
      out.write(`UNREADABLE ${name}: ${problems.join('; ')}\n`);
    }
  }
  out.write(`checked ${count(documents.length, 'document', 'documents')}: ${unreadable} cannot be read\n`);
  if (unreadable > 0) out.write('quire-server repair <document> rebuilds one from what can be read (--dry-run first)\n');
  return unreadable > 0 ? 2 : 0;
}

/** Tab-separated, one document a line and nothing else on stdout, for people and scripts alike. */
async function list(store: DocumentStore, io: CommandStreams): Promise<number> {
  const documents = await store.list();
  for (const { name, storedBytes, updatedAt } of documents) io.stdout.write(`${name}\t${storedBytes}\t${updatedAt.toISOString()}\n`);
  if (documents.length === 0) io.stderr.write('quire-server: no stored documents\n');
  return 0;
}

function problemsOf(report: RepairReport): string[] {
  const problems: string[] = [];
  const [first] = report.droppedEntries;
  if (first !== undefined) {
    problems.push(`${report.droppedEntries.length} of ${count(report.entriesRead, 'log entry', 'log entries')} cannot be read (${first.reason})`);
  }
  if (report.droppedPendingBytes > 0) {
    problems.push(`${count(report.droppedPendingBytes, 'byte', 'bytes')} build on content the document lacks`);
  }
  if (report.nonCanonicalEntries > 0) {
    problems.push(`${count(report.nonCanonicalEntries, 'log entry is', 'log entries are')} not in Yjs's canonical form`);
  }
  if (report.mergeDiffers) problems.push('merging the log as stored gives another document than its entries one by one');
  return problems;
}

async function repair(store: DocumentStore, docName: string, dryRun: boolean, io: CommandStreams): Promise<number> {
  const report = await store.repair(docName, { dryRun });
  if (report === null) {
    io.stderr.write(`quire-server: document "${docName}" has no stored entries\n`);
    return 1;
  }
  io.stdout.write(describeRepair(report, dryRun));
  return 0;
}

/** The repair report as the operator reads it. */
export function describeRepair(report: RepairReport, dryRun: boolean): string {
  const lines = [`document "${report.docName}": ${count(report.entriesRead, 'log entry', 'log entries')} read`];
  for (const entry of report.droppedEntries) {
    lines.push(`  left out entry ${entry.id} (${entry.bytes} bytes): ${entry.reason}`);
  }
  if (report.droppedPendingBytes > 0) {
    lines.push(`  left out ${report.droppedPendingBytes} bytes of content that builds on content the document lacks`);
  }
  if (report.nonCanonicalEntries > 0) {
    lines.push(`  ${count(report.nonCanonicalEntries, 'entry', 'entries')} written by an older server in a form Yjs does not write: kept, in Yjs's form`);
  }
  if (report.mergeDiffers) {
    lines.push('  merging the log as stored loses content: older servers served this document truncated');
  }
  const healthy = problemsOf(report).length === 0;
  if (healthy) lines.push('  nothing to repair: every entry can be read');
  else if (dryRun) lines.push(`  dry run: nothing written; the rebuilt document would hold ${report.mergedBytes} bytes`);
  else if (report.written) lines.push(`  log replaced by the rebuilt document (${report.mergedBytes} bytes)`);
  else lines.push('  not written: the document was deleted while the repair ran');
  if (report.droppedEntries.length > 0 || report.droppedPendingBytes > 0) {
    lines.push('  clients that still hold what was left out send it again when they next connect');
  }
  return `${lines.join('\n')}\n`;
}

function hintFor(error: unknown): string {
  if (!isStorageError(error)) return '';
  if (error.code === 'ERR_STORAGE_LOCKED') return ' (stop the server first)';
  if (error.code === 'ERR_STORAGE_CORRUPT') return ' (quire-server repair-storage repairs the directory)';
  return '';
}

function count(value: number, one: string, many: string): string {
  return `${value} ${value === 1 ? one : many}`;
}

function usageError(out: CommandOutput, message: string): number {
  out.write(`quire-server: ${message}\n\n${STORAGE_COMMAND_USAGE}`);
  return 1;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
