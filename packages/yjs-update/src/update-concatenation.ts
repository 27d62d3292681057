import { varUintByteLength, writeVarUintAt } from '@quire/protocol';
import { DeleteRanges, descending } from './delete-ranges.ts';
import type { UpdateInspection } from './update-inspection.ts';

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

/**
 * Joins Yjs V1 updates that the room accepted one after another into one
 * update in Yjs's canonical form (docs/architecture.md, "Canonical
 * updates"), by copying bytes: each client's struct runs are laid end to end
 * under one section header, sections ordered by client ID, highest first, and
 * the delete sets' ranges gathered per client, sorted and merged. No struct
 * is decoded, so it costs what the copy costs, where `Y.mergeUpdates`
 * decodes and re-encodes every struct (about 3 µs per small update,
 * measured). Given one update, it returns that update in canonical form
 * (the same bytes when it already was).
 *
 * It is valid only when, for every client, each update's structs start where
 * the previous update's structs of that client ended: the shape of updates
 * accepted in this order. Returns undefined otherwise, and the caller
 * takes the updates one by one.
 */
export function concatenateUpdates(updates: readonly InspectedUpdate[]): Uint8Array | undefined {
  const sections = new Map<number, ClientSection>();
  let deletes: DeleteRanges | undefined;
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
    if (inspection.deleteRangeCount > 0) (deletes ??= new DeleteRanges()).addFrom(update, inspection.deleteSetStart);
  }

  const clients = sections.size < 2 ? [...sections.keys()] : [...sections.keys()].sort(descending);
  const deleteSet = deletes === undefined || deletes.isEmpty ? EMPTY_DELETE_SET : deletes.encode();
  let size = varUintByteLength(sections.size) + deleteSet.byteLength;
  for (const client of clients) {
    const section = sections.get(client)!;
    size += varUintByteLength(section.structCount) + varUintByteLength(client) + varUintByteLength(section.firstClock);
    size += partsLength(section.parts);
  }
  const joined = new Uint8Array(size);
  let offset = writeVarUintAt(joined, 0, sections.size);
  for (const client of clients) {
    const section = sections.get(client)!;
    offset = writeVarUintAt(joined, offset, section.structCount);
    offset = writeVarUintAt(joined, offset, client);
    offset = writeVarUintAt(joined, offset, section.firstClock);
    offset = copyParts(joined, offset, section.parts);
  }
  joined.set(deleteSet, offset);
  return joined;
}

/** A delete set with no clients. */
const EMPTY_DELETE_SET = new Uint8Array([0]);

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
