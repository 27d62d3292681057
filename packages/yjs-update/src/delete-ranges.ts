import { varUintByteLength, writeVarUintAt } from '@quire/protocol';

/**
 * Delete ranges gathered per client from one or more updates, to be written
 * back in Yjs's own form: clients highest first, each client's ranges sorted
 * by clock with overlapping and touching ones merged and empty ones dropped.
 * Joined or reordered any other way, a receiver that keeps some of them as a
 * pending delete set (it lacks the deleted items yet) re-encodes them with
 * clocks coded as differences, and deletes the wrong items.
 */
export class DeleteRanges {
  /** Per client, clock and length pairs in the order they were added. */
  private readonly byClient = new Map<number, number[]>();

  get isEmpty(): boolean {
    return this.byClient.size === 0;
  }

  /** Adds every range of the delete set that starts at `start` in `update` (already checked by an inspection). */
  addFrom(update: Uint8Array, start: number): void {
    const reader = { bytes: update, position: start };
    const clientCount = readVarUint(reader);
    for (let index = 0; index < clientCount; index++) {
      const client = readVarUint(reader);
      const rangeCount = readVarUint(reader);
      let ranges: number[] | undefined;
      for (let range = 0; range < rangeCount; range++) {
        const clock = readVarUint(reader);
        const length = readVarUint(reader);
        if (length === 0) continue;
        ranges ??= this.rangesOf(client);
        ranges.push(clock, length);
      }
    }
  }

  private rangesOf(client: number): number[] {
    let ranges = this.byClient.get(client);
    if (ranges === undefined) this.byClient.set(client, (ranges = []));
    return ranges;
  }

  /** The delete set in Yjs's form, as bytes (the end of a V1 update). */
  encode(): Uint8Array {
    const clients = [...this.byClient.keys()].sort(descending);
    const merged = clients.map((client) => mergeRanges(this.byClient.get(client)!));
    let size = varUintByteLength(clients.length);
    for (let index = 0; index < clients.length; index++) {
      const ranges = merged[index]!;
      size += varUintByteLength(clients[index]!) + varUintByteLength(ranges.length / 2);
      for (const value of ranges) size += varUintByteLength(value);
    }
    const bytes = new Uint8Array(size);
    let offset = writeVarUintAt(bytes, 0, clients.length);
    for (let index = 0; index < clients.length; index++) {
      const ranges = merged[index]!;
      offset = writeVarUintAt(bytes, offset, clients[index]!);
      offset = writeVarUintAt(bytes, offset, ranges.length / 2);
      for (const value of ranges) offset = writeVarUintAt(bytes, offset, value);
    }
    return bytes;
  }
}

export function descending(a: number, b: number): number {
  return b - a;
}

/** Clock and length pairs sorted by clock, overlapping and touching ranges merged (what Yjs's sortAndMergeDeleteSet does). */
function mergeRanges(pairs: readonly number[]): number[] {
  const order: number[] = [];
  for (let index = 0; index < pairs.length; index += 2) order.push(index);
  order.sort((a, b) => pairs[a]! - pairs[b]!);
  const merged: number[] = [];
  for (const index of order) {
    const clock = pairs[index]!;
    const end = clock + pairs[index + 1]!;
    const last = merged.length - 2;
    if (last >= 0 && merged[last]! + merged[last + 1]! >= clock) {
      merged[last + 1] = Math.max(merged[last + 1]!, end - merged[last]!);
    } else {
      merged.push(clock, end - clock);
    }
  }
  return merged;
}

/** A varUint the inspection already read and bounded: no checks again. */
export function readVarUint(reader: { readonly bytes: Uint8Array; position: number }): number {
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
