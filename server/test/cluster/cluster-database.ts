import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as Y from 'yjs';

/**
 * A document's stored log as PostgreSQL holds it: the checkpoint row of
 * quire_documents and the quire_updates rows after it. Read with psql (the
 * client that comes with PostgreSQL), so that the test reads the tables
 * without the server's code in between.
 */

export interface StoredLog {
  readonly checkpoint: Uint8Array | undefined;
  readonly checkpointSeq: number;
  readonly nextSeq: number;
  readonly entries: ReadonlyArray<{ readonly seq: number; readonly update: Uint8Array }>;
}

const run = promisify(execFile);

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Rows of one query, columns split on tabs. */
async function query(databaseUrl: string, sql: string): Promise<string[][]> {
  const { stdout } = await run('psql', [databaseUrl, '--no-psqlrc', '--tuples-only', '--no-align', '--field-separator', '\t', '--set', 'ON_ERROR_STOP=1', '--command', sql], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

export async function readStoredLog(databaseUrl: string, docName: string): Promise<StoredLog | undefined> {
  const [document] = await query(
    databaseUrl,
    `SELECT checkpoint_seq, next_seq, coalesce(encode(checkpoint, 'hex'), '-') FROM quire_documents WHERE name = ${literal(docName)}`,
  );
  if (document === undefined) return undefined;
  const [checkpointSeq, nextSeq, checkpoint] = document as [string, string, string];
  const rows = await query(databaseUrl, `SELECT seq, encode(update, 'hex') FROM quire_updates WHERE doc = ${literal(docName)} ORDER BY seq`);
  return {
    checkpoint: checkpoint === '-' ? undefined : bytes(checkpoint),
    checkpointSeq: Number(checkpointSeq),
    nextSeq: Number(nextSeq),
    entries: rows.map(([seq, update]) => ({ seq: Number(seq), update: bytes(update!) })),
  };
}

/** The checkpoint, then each entry in sequence order, applied one by one to a new document. */
export function integrateLog(log: StoredLog): Y.Doc {
  const doc = new Y.Doc();
  if (log.checkpoint !== undefined) Y.applyUpdate(doc, log.checkpoint);
  for (const entry of log.entries) Y.applyUpdate(doc, entry.update);
  return doc;
}

/** What is wrong with the numbering: entries must follow the checkpoint without a gap, up to the next number to hand out. */
export function numberingProblems(log: StoredLog): string[] {
  const problems: string[] = [];
  let expected = log.checkpointSeq + 1;
  for (const entry of log.entries) {
    if (entry.seq !== expected) problems.push(`entry ${entry.seq} where ${expected} was expected`);
    expected = entry.seq + 1;
  }
  if (expected !== log.nextSeq) problems.push(`the log ends before ${expected}, the next number is ${log.nextSeq}`);
  return problems;
}

/**
 * Reads the stored log until it holds every one of `tokens` (entries of the
 * `log` array) or `timeoutMs` passed; returns those it still lacks.
 */
export async function missingFromStore(databaseUrl: string, docName: string, tokens: readonly string[], timeoutMs = 10_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const log = await readStoredLog(databaseUrl, docName);
    const stored = new Set(log === undefined ? [] : integrateLog(log).getArray<string>('log').toArray());
    const missing = tokens.filter((token) => !stored.has(token));
    if (missing.length === 0 || Date.now() > end) return missing;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
