import { varUintByteLength, writeVarUintAt } from '@quire/protocol';
import type { UpdateInspection } from './security/update-inspection.ts';

/** A Yjs V1 update and its inspection, which says where its parts lie. */
export interface InspectedUpdate {
  readonly update: Uint8Array;
  readonly inspection: UpdateInspection;
}

/**
 * Where one part to copy lies: `parts[i]` is the update, `parts[i + 1]` and
 * `parts[i + 2]` its start and end offsets. Offsets rather than views: a view
 * of a Buffer is a Buffer, one object per part, for parts a few bytes long.
 */
type Parts = (Uint8Array | number)[];

interface ClientSection {
  readonly firstClock: number;
  endClock: number;
  structCount: number;
  readonly parts: Parts;
}

interface DeleteEntry {
  rangeCount: number;
  readonly parts: Parts;
}

/**
 * Joins Yjs V1 updates that the room accepted one after another into one
 * update, by copying bytes: each client's struct runs are laid end to end
 * under one section header, and the delete sets' ranges are gathered per
 * client. No struct is decoded, so it costs what the copy costs, where
 * `Y.mergeUpdates` decodes and re-encodes every struct (about 3 µs per small
 * update, measured).
 *
 * It is valid only when, for every client, each update's structs start where
 * the previous update's structs of that client ended: the shape of updates
 * accepted in this order. Returns undefined otherwise, and the caller
 * takes the updates one by one.
 */
export function concatenateUpdates(updates: readonly InspectedUpdate[]): Uint8Array | undefined {
  const sections = new Map<number, ClientSection>();
  const deletes = new Map<number, DeleteEntry>();
  for (const { update, inspection } of updates) {
    for (const [client, range] of inspection.clients) {
      const section = sections.get(client);
      if (section === undefined) {
        sections.set(client, {
          firstClock: range.firstClock,
          endClock: range.endClock,
          structCount: range.structCount,
          parts: [update, range.structsStart, range.structsEnd],
        });
        continue;
      }
      if (section.endClock !== range.firstClock) return undefined;
      section.endClock = range.endClock;
      section.structCount += range.structCount;
      section.parts.push(update, range.structsStart, range.structsEnd);
    }
    if (inspection.deleteRangeCount > 0) gatherDeletes(update, inspection.deleteSetStart, deletes);
  }

  let size = varUintByteLength(sections.size) + varUintByteLength(deletes.size);
  for (const [client, section] of sections) {
    size += varUintByteLength(section.structCount) + varUintByteLength(client) + varUintByteLength(section.firstClock);
    size += partsLength(section.parts);
  }
  for (const [client, entry] of deletes) {
    size += varUintByteLength(client) + varUintByteLength(entry.rangeCount) + partsLength(entry.parts);
  }
  const joined = new Uint8Array(size);
  let offset = writeVarUintAt(joined, 0, sections.size);
  for (const [client, section] of sections) {
    offset = writeVarUintAt(joined, offset, section.structCount);
    offset = writeVarUintAt(joined, offset, client);
    offset = writeVarUintAt(joined, offset, section.firstClock);
    offset = copyParts(joined, offset, section.parts);
  }
  offset = writeVarUintAt(joined, offset, deletes.size);
  for (const [client, entry] of deletes) {
    offset = writeVarUintAt(joined, offset, client);
    offset = writeVarUintAt(joined, offset, entry.rangeCount);
    offset = copyParts(joined, offset, entry.parts);
  }
  return joined;
}

function partsLength(parts: Parts): number {
  let length = 0;
  for (let index = 0; index < parts.length; index += 3) length += (parts[index + 2] as number) - (parts[index + 1] as number);
  return length;
}

// Parts up to this long are copied byte by byte: a typed-array view to copy from would cost more.
const BYTEWISE_COPY_MAX = 64;

function copyParts(target: Uint8Array, offset: number, parts: Parts): number {
  for (let index = 0; index < parts.length; index += 3) {
    const source = parts[index] as Uint8Array;
    const start = parts[index + 1] as number;
    const end = parts[index + 2] as number;
    if (end - start <= BYTEWISE_COPY_MAX) {
      for (let at = start; at < end; at++) target[offset++] = source[at]!;
    } else {
      target.set(source.subarray(start, end), offset);
      offset += end - start;
    }
  }
  return offset;
}

/** Adds the ranges of an update's delete set, already checked by the inspection, to `deletes`. */
function gatherDeletes(update: Uint8Array, start: number, deletes: Map<number, DeleteEntry>): void {
  const reader = { bytes: update, position: start };
  const clientCount = readVarUint(reader);
  for (let index = 0; index < clientCount; index++) {
    const client = readVarUint(reader);
    const rangeCount = readVarUint(reader);
    const rangesStart = reader.position;
    for (let range = 0; range < rangeCount; range++) {
      readVarUint(reader);
      readVarUint(reader);
    }
    if (rangeCount === 0) continue;
    const entry = deletes.get(client);
    if (entry === undefined) deletes.set(client, { rangeCount, parts: [update, rangesStart, reader.position] });
    else {
      entry.rangeCount += rangeCount;
      entry.parts.push(update, rangesStart, reader.position);
    }
  }
}

/** A varUint the inspection already read and bounded: no checks again. */
function readVarUint(reader: { readonly bytes: Uint8Array; position: number }): number {
  let value = 0;
  let multiplier = 1;
  for (;;) {
    // Past the end reads as 0 and ends the loop, should a caller ever pass unchecked bytes.
    const byte = reader.bytes[reader.position++] ?? 0;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return value;
    multiplier *= 128;
  }
}
