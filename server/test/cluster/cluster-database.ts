import pg from 'pg';
import * as Y from 'yjs';

/**
 * A document's stored log as PostgreSQL holds it: the checkpoint row of
 * quire_documents and the quire_updates rows after it, read with a plain
 * connection of the test's own, so that no server code stands in between.
 */

export interface StoredLog {
  readonly checkpoint: Uint8Array | undefined;
  readonly checkpointSeq: number;
  readonly nextSeq: number;
  readonly entries: ReadonlyArray<{ readonly seq: number; readonly update: Uint8Array }>;
}

interface DocumentRow {
  readonly checkpoint_seq: string;
  readonly next_seq: string;
  readonly checkpoint: Buffer | null;
}

interface UpdateRow {
  readonly seq: string;
  readonly update: Buffer;
}

/** The two reads in one transaction, so the checkpoint and the rows are one snapshot. */
async function readSnapshot(databaseUrl: string, docName: string): Promise<{ document: DocumentRow | undefined; rows: UpdateRow[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const documents = await client.query<DocumentRow>('SELECT checkpoint_seq, next_seq, checkpoint FROM quire_documents WHERE name = $1', [docName]);
    const updates = await client.query<UpdateRow>('SELECT seq, update FROM quire_updates WHERE doc = $1 ORDER BY seq', [docName]);
    await client.query('COMMIT');
    return { document: documents.rows[0], rows: updates.rows };
  } finally {
    await client.end();
  }
}

const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

export async function readStoredLog(databaseUrl: string, docName: string): Promise<StoredLog | undefined> {
  const { document, rows } = await readSnapshot(databaseUrl, docName);
  if (document === undefined) return undefined;
  return {
    checkpoint: document.checkpoint === null ? undefined : bytes(document.checkpoint),
    checkpointSeq: Number(document.checkpoint_seq),
    nextSeq: Number(document.next_seq),
    entries: rows.map((row) => ({ seq: Number(row.seq), update: bytes(row.update) })),
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
