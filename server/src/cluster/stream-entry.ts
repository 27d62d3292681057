import { inspectUpdate } from '@quire/yjs-update';

/** The fields of one stream entry, as this node writes them. */
export const ENTRY_FIELDS = { node: 'node', seq: 'seq', update: 'update' } as const;

/** A committed change as another node announced it. */
export interface StreamEntry {
  readonly id: string;
  readonly nodeId: string;
  readonly seq: number;
  readonly update: Uint8Array;
}

/** An entry that cannot be used, and why (for the log and the quarantine). */
export interface PoisonEntry {
  readonly id: string;
  readonly reason: string;
  /** The entry's raw fields, as read. */
  readonly fields: readonly Buffer[];
}

export type DecodedEntry = { readonly ok: true; readonly entry: StreamEntry } | { readonly ok: false; readonly poison: PoisonEntry };

/** The XADD arguments after the key and id: field, value pairs. */
export function entryFields(nodeId: string, seq: number, update: Uint8Array): (string | Buffer)[] {
  return [
    ENTRY_FIELDS.node,
    nodeId,
    ENTRY_FIELDS.seq,
    String(seq),
    ENTRY_FIELDS.update,
    Buffer.from(update.buffer, update.byteOffset, update.byteLength),
  ];
}

/**
 * Reads one entry's fields (a flat field, value list, binary), refusing
 * anything this node would not have written: a missing or repeated field,
 * a sequence number that is not a positive integer, bytes that are not a
 * whole Yjs update. Never throws.
 */
export function decodeEntry(id: string, fields: readonly Buffer[]): DecodedEntry {
  const poison = (reason: string): DecodedEntry => ({ ok: false, poison: { id, reason, fields } });
  if (fields.length % 2 !== 0) return poison('odd field list');
  let nodeId: string | undefined;
  let seqText: string | undefined;
  let update: Buffer | undefined;
  for (let index = 0; index < fields.length; index += 2) {
    const name = fields[index]!.toString('latin1');
    const value = fields[index + 1]!;
    if (name === ENTRY_FIELDS.node && nodeId === undefined) nodeId = value.toString('utf8');
    else if (name === ENTRY_FIELDS.seq && seqText === undefined) seqText = value.toString('latin1');
    else if (name === ENTRY_FIELDS.update && update === undefined) update = value;
    else return poison(`unexpected field ${JSON.stringify(name.slice(0, 32))}`);
  }
  if (nodeId === undefined || seqText === undefined || update === undefined) return poison('missing field');
  if (!/^[1-9][0-9]{0,15}$/.test(seqText) || !Number.isSafeInteger(Number(seqText))) return poison('invalid sequence number');
  const bytes = new Uint8Array(update.buffer, update.byteOffset, update.byteLength);
  const inspection = inspectUpdate(bytes);
  if (!inspection.ok) return poison(`not a valid update (${inspection.code})`);
  return { ok: true, entry: { id, nodeId, seq: Number(seqText), update: bytes } };
}
