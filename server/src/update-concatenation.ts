import * as decoding from 'lib0/decoding';
import { varUintByteLength, writeVarUintAt } from '@quire/protocol';
import type { UpdateInspection } from './security/update-inspection.ts';

/** A Yjs V1 update and its inspection, which says where its parts lie. */
export interface InspectedUpdate {
  readonly update: Uint8Array;
  readonly inspection: UpdateInspection;
}

interface ClientSection {
  readonly firstClock: number;
  endClock: number;
  structCount: number;
  readonly slices: Uint8Array[];
}

interface DeleteEntry {
  rangeCount: number;
  readonly slices: Uint8Array[];
}

/**
 * Joins Yjs V1 updates that the room applied one after another into one
 * update, by copying bytes: each client's struct runs are laid end to end
 * under one section header, and the delete sets' ranges are gathered per
 * client. No struct is decoded, so it costs what the copy costs, where
 * `Y.mergeUpdates` decodes and re-encodes every struct (about 3 µs per small
 * update, measured).
 *
 * It is valid only when, for every client, each update's structs start where
 * the previous update's structs of that client ended: the shape of updates
 * that were integrated in this order. Returns undefined otherwise, and the
 * caller sends the updates one by one.
 */
export function concatenateUpdates(updates: readonly InspectedUpdate[]): Uint8Array | undefined {
  const sections = new Map<number, ClientSection>();
  const deletes = new Map<number, DeleteEntry>();
  for (const { update, inspection } of updates) {
    for (const [client, range] of inspection.clients) {
      const slice = update.subarray(range.structsStart, range.structsEnd);
      const section = sections.get(client);
      if (section === undefined) {
        sections.set(client, {
          firstClock: range.firstClock,
          endClock: range.endClock,
          structCount: range.structCount,
          slices: [slice],
        });
        continue;
      }
      if (section.endClock !== range.firstClock) return undefined;
      section.endClock = range.endClock;
      section.structCount += range.structCount;
      section.slices.push(slice);
    }
    if (inspection.deleteRangeCount > 0) gatherDeletes(update, inspection.deleteSetStart, deletes);
  }

  let size = varUintByteLength(sections.size) + varUintByteLength(deletes.size);
  for (const [client, section] of sections) {
    size += varUintByteLength(section.structCount) + varUintByteLength(client) + varUintByteLength(section.firstClock);
    for (const slice of section.slices) size += slice.byteLength;
  }
  for (const [client, entry] of deletes) {
    size += varUintByteLength(client) + varUintByteLength(entry.rangeCount);
    for (const slice of entry.slices) size += slice.byteLength;
  }
  const joined = new Uint8Array(size);
  let offset = writeVarUintAt(joined, 0, sections.size);
  for (const [client, section] of sections) {
    offset = writeVarUintAt(joined, offset, section.structCount);
    offset = writeVarUintAt(joined, offset, client);
    offset = writeVarUintAt(joined, offset, section.firstClock);
    offset = copySlices(joined, offset, section.slices);
  }
  offset = writeVarUintAt(joined, offset, deletes.size);
  for (const [client, entry] of deletes) {
    offset = writeVarUintAt(joined, offset, client);
    offset = writeVarUintAt(joined, offset, entry.rangeCount);
    offset = copySlices(joined, offset, entry.slices);
  }
  return joined;
}

function copySlices(target: Uint8Array, offset: number, slices: readonly Uint8Array[]): number {
  for (const slice of slices) {
    target.set(slice, offset);
    offset += slice.byteLength;
  }
  return offset;
}

/** Adds the ranges of an update's delete set, already checked by the inspection, to `deletes`. */
function gatherDeletes(update: Uint8Array, start: number, deletes: Map<number, DeleteEntry>): void {
  const decoder = decoding.createDecoder(update.subarray(start));
  const clientCount = decoding.readVarUint(decoder);
  for (let index = 0; index < clientCount; index++) {
    const client = decoding.readVarUint(decoder);
    const rangeCount = decoding.readVarUint(decoder);
    const rangesStart = decoder.pos;
    for (let range = 0; range < rangeCount; range++) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
    if (rangeCount === 0) continue;
    const slice = decoder.arr.subarray(rangesStart, decoder.pos);
    const entry = deletes.get(client);
    if (entry === undefined) deletes.set(client, { rangeCount, slices: [slice] });
    else {
      entry.rangeCount += rangeCount;
      entry.slices.push(slice);
    }
  }
}
