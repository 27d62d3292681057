import { ByteCursor, varUintByteLength, writeVarUintAt } from '@quire/protocol';
import { inspectUpdate } from '@quire/yjs-update';

/**
 * Rewrites a Yjs V1 update the way servers before the canonical-form fix
 * joined updates: client sections in the reverse of Yjs's order (lowest
 * client ID first, as arrival order can put them) and each client's delete
 * ranges in reverse clock order, for tests of logs those servers wrote.
 * Structs are copied byte for byte; the update still decodes.
 */
export function toLegacyForm(update: Uint8Array): Uint8Array {
  const inspection = inspectUpdate(update);
  if (!inspection.ok) throw new Error(`not an update: ${inspection.detail}`);
  const sections = [...inspection.clients].sort(([a], [b]) => a - b);
  const ranges = readDeleteSet(update, inspection.deleteSetStart);
  let size = varUintByteLength(sections.length) + varUintByteLength(ranges.length);
  for (const [client, range] of sections) {
    size += varUintByteLength(range.structCount) + varUintByteLength(client) + varUintByteLength(range.firstClock);
    size += range.structsEnd - range.structsStart;
  }
  for (const [client, pairs] of ranges) {
    size += varUintByteLength(client) + varUintByteLength(pairs.length / 2);
    for (const value of pairs) size += varUintByteLength(value);
  }
  const bytes = new Uint8Array(size);
  let offset = writeVarUintAt(bytes, 0, sections.length);
  for (const [client, range] of sections) {
    offset = writeVarUintAt(bytes, offset, range.structCount);
    offset = writeVarUintAt(bytes, offset, client);
    offset = writeVarUintAt(bytes, offset, range.firstClock);
    bytes.set(update.subarray(range.structsStart, range.structsEnd), offset);
    offset += range.structsEnd - range.structsStart;
  }
  offset = writeVarUintAt(bytes, offset, ranges.length);
  for (const [client, pairs] of ranges) {
    offset = writeVarUintAt(bytes, offset, client);
    offset = writeVarUintAt(bytes, offset, pairs.length / 2);
    // Reversed: the last range first.
    for (let index = pairs.length - 2; index >= 0; index -= 2) {
      offset = writeVarUintAt(bytes, offset, pairs[index]!);
      offset = writeVarUintAt(bytes, offset, pairs[index + 1]!);
    }
  }
  return bytes;
}

/** Clients (lowest first) with their clock and length pairs, as written. */
function readDeleteSet(update: Uint8Array, start: number): [number, number[]][] {
  const cursor = new ByteCursor(update.subarray(start));
  const result: [number, number[]][] = [];
  const clients = cursor.readVarUint();
  for (let index = 0; index < clients; index++) {
    const client = cursor.readVarUint();
    const count = cursor.readVarUint();
    const pairs: number[] = [];
    for (let range = 0; range < count; range++) pairs.push(cursor.readVarUint(), cursor.readVarUint());
    result.push([client, pairs]);
  }
  return result.sort(([a], [b]) => a - b);
}
