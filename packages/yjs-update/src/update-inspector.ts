import { ByteCursor, ByteCursorError } from '@quire/protocol';
import type { ClientStructRange, DeleteSetRange, UpdateInspection, UpdateInspectionResult } from './update-inspection.ts';
import { resolveUpdateLimits, type ResolvedUpdateLimits, type UpdateLimits } from './update-limits.ts';
import { UpdateRejectionError, type UpdateRejectionCode } from './update-rejection-error.ts';
import { ANY_OBJECT, UpdateValueReader } from './update-value-reader.ts';

export type {
  ClientStructRange,
  DeleteSetRange,
  UpdateInspection,
  UpdateInspectionResult,
  UpdateRejection,
  UpdateRejectionCode,
} from './update-inspection.ts';

/**
 * Decodes a whole Yjs V1 update without applying it, so that a truncated,
 * garbled or oversized update is refused before Yjs half-applies it (Yjs
 * integrates struct by struct and throws midway). It is total: any input
 * yields a result in time linear in its length; every cap is checked before
 * the data it governs is read; nothing is allocated from a declared count.
 * It is stricter than Yjs where Yjs would silently accept nonsense that no
 * Yjs encoder writes (trailing bytes, empty or duplicate client sections,
 * zero-length structs, flag bits on GC/Skip, references forward in a client's
 * own clock).
 */
export function inspectUpdate(update: Uint8Array, limits: UpdateLimits = {}): UpdateInspectionResult {
  const reader = new UpdateReader(update, resolveOnce(limits));
  try {
    return reader.read();
  } catch (error) {
    if (error instanceof UpdateRejectionError) {
      return { ok: false, code: error.code, detail: error.message, offset: error.offset };
    }
    if (error instanceof ByteCursorError) {
      return { ok: false, code: 'ERR_UPDATE_MALFORMED', detail: error.message, offset: error.offset };
    }
    throw error;
  }
}

// A room passes the same limits object with every update: resolve it once.
const resolvedLimits = new WeakMap<UpdateLimits, ResolvedUpdateLimits>();

function resolveOnce(limits: UpdateLimits): ResolvedUpdateLimits {
  let resolved = resolvedLimits.get(limits);
  if (resolved === undefined) {
    resolved = resolveUpdateLimits(limits);
    resolvedLimits.set(limits, resolved);
  }
  return resolved;
}

// Content reference numbers (the low five bits of a struct's info byte).
const GC = 0;
const CONTENT_DELETED = 1;
const CONTENT_JSON = 2;
const CONTENT_BINARY = 3;
const CONTENT_STRING = 4;
const CONTENT_EMBED = 5;
const CONTENT_FORMAT = 6;
const CONTENT_TYPE = 7;
const CONTENT_ANY = 8;
const CONTENT_DOC = 9;
const SKIP = 10;
const HAS_ORIGIN = 0x80;
const HAS_RIGHT_ORIGIN = 0x40;
const HAS_PARENT_SUB = 0x20;
// Yjs type references whose reader takes a node name: YXmlElement, YXmlHook.
const TYPE_XML_ELEMENT = 3;
const TYPE_XML_HOOK = 5;
const LAST_TYPE_REF = 6;

/** What an inspection reports for a part the update does not have. */
const NO_ENTRIES: ReadonlyMap<number, never> = new Map<number, never>();

class UpdateReader {
  private readonly cursor: ByteCursor;
  private readonly bytes: Uint8Array;
  private readonly clients = new Map<number, ClientStructRange>();
  // Most updates (a keystroke) delete nothing and point at no other client's item: allocated on first use.
  private deleteSet: Map<number, DeleteSetRange> | undefined;
  private references: Map<number, number> | undefined;
  private structCount = 0;
  private deleteRangeCount = 0;
  /** Whether the update is in the form Yjs writes (see UpdateInspection.canonical); cleared on the first departure. */
  private canonical = true;
  private previousSectionClient = Infinity;
  private readonly values: UpdateValueReader;

  constructor(
    update: Uint8Array,
    private readonly limits: ResolvedUpdateLimits,
  ) {
    this.bytes = update;
    this.cursor = new ByteCursor(update);
    this.values = new UpdateValueReader(this.cursor, limits);
  }

  read(): UpdateInspection {
    const sectionCount = this.cursor.readVarUint();
    this.checkCount(sectionCount, this.limits.maxClients, 'ERR_UPDATE_TOO_MANY_CLIENTS', 'client sections', 3);
    for (let section = 0; section < sectionCount; section++) this.readClientSection();
    const deleteSetStart = this.cursor.offset;
    this.readDeleteSet();
    if (this.cursor.remaining !== 0) this.fail('ERR_UPDATE_MALFORMED', `${this.cursor.remaining} bytes after the delete set`);
    return {
      ok: true,
      clients: this.clients,
      structCount: this.structCount,
      deleteSet: this.deleteSet ?? NO_ENTRIES,
      deleteRangeCount: this.deleteRangeCount,
      references: this.references ?? NO_ENTRIES,
      byteLength: this.bytes.length,
      deleteSetStart,
      canonical: this.canonical,
    };
  }

  private readClientSection(): void {
    const declared = this.cursor.readVarUint();
    if (this.structCount + declared > this.limits.maxStructs) {
      this.fail('ERR_UPDATE_TOO_MANY_STRUCTS', `${this.structCount + declared} structs exceed ${this.limits.maxStructs}`);
    }
    if (declared === 0) this.fail('ERR_UPDATE_MALFORMED', 'client section without structs');
    // Each struct takes at least two bytes (info and a length or content).
    if (declared * 2 > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${declared} structs cannot fit`);
    this.structCount += declared;
    const client = this.cursor.readVarUint();
    if (this.clients.has(client)) this.fail('ERR_UPDATE_MALFORMED', `second section for client ${client}`);
    if (client >= this.previousSectionClient) this.canonical = false;
    this.previousSectionClient = client;
    const firstClock = this.cursor.readVarUint();
    const structsStart = this.cursor.offset;
    let clock = firstClock;
    let requiredClock: number | null = null;
    let contentEndClock: number | null = null;
    let afterSkip = true;
    for (let index = 0; index < declared; index++) {
      const length = this.readStruct(client, clock);
      const isSkip = length < 0;
      const structLength = Math.abs(length);
      if (!isSkip) {
        if (afterSkip) requiredClock = clock;
        contentEndClock = clock + structLength;
      }
      afterSkip = isSkip;
      clock += structLength;
      if (clock > Number.MAX_SAFE_INTEGER) this.fail('ERR_UPDATE_MALFORMED', `clock of client ${client} overflows`);
    }
    this.clients.set(client, {
      firstClock,
      endClock: clock,
      structCount: declared,
      requiredClock,
      contentEndClock,
      structsStart,
      structsEnd: this.cursor.offset,
    });
  }

  /** Reads one struct at `clock`; returns its length, negated for a Skip struct. */
  private readStruct(client: number, clock: number): number {
    const info = this.cursor.readUint8();
    const contentRef = info & 0x1f;
    if (contentRef === GC || contentRef === SKIP) {
      if (info !== contentRef) this.fail('ERR_UPDATE_MALFORMED', `flag bits on a ${contentRef === GC ? 'GC' : 'Skip'} struct`);
      const length = this.readFreeLength(contentRef === GC ? 'GC struct' : 'Skip struct');
      return contentRef === SKIP ? -length : length;
    }
    if ((info & HAS_ORIGIN) !== 0) this.readReference(client, clock, 'origin');
    if ((info & HAS_RIGHT_ORIGIN) !== 0) this.readReference(client, clock, 'right origin');
    if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
      const parentInfo = this.cursor.readVarUint();
      if (parentInfo === 1) this.values.readString('parent key');
      else if (parentInfo === 0) this.readReference(client, clock, 'parent');
      else this.fail('ERR_UPDATE_MALFORMED', `parent info ${parentInfo}`);
      if ((info & HAS_PARENT_SUB) !== 0) this.values.readString('parent sub key');
    }
    const length = this.readContent(contentRef);
    if (length === 0) this.fail('ERR_UPDATE_MALFORMED', 'zero-length item');
    return length;
  }

  private readContent(contentRef: number): number {
    switch (contentRef) {
      case CONTENT_DELETED:
        return this.readFreeLength('deleted content');
      case CONTENT_JSON: {
        const count = this.cursor.readVarUint();
        if (count > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${count} JSON values cannot fit`);
        for (let index = 0; index < count; index++) this.values.readJson(true);
        return count;
      }
      case CONTENT_BINARY:
        this.values.readBytes('binary content');
        return 1;
      case CONTENT_STRING:
        return this.values.readString('string content');
      case CONTENT_EMBED:
        this.values.readJson(false);
        return 1;
      case CONTENT_FORMAT:
        this.values.readString('format key');
        this.values.readJson(false);
        return 1;
      case CONTENT_TYPE: {
        const typeRef = this.cursor.readVarUint();
        if (typeRef > LAST_TYPE_REF) this.fail('ERR_UPDATE_MALFORMED', `unknown type reference ${typeRef}`);
        if (typeRef === TYPE_XML_ELEMENT || typeRef === TYPE_XML_HOOK) this.values.readString('node name');
        return 1;
      }
      case CONTENT_ANY: {
        const count = this.cursor.readVarUint();
        if (count > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${count} values cannot fit`);
        for (let index = 0; index < count; index++) this.values.readAny();
        return count;
      }
      case CONTENT_DOC:
        this.values.readString('subdocument guid');
        // Yjs reads `opts.shouldLoad` from the options, so anything but an
        // object (null, a number) makes it throw while decoding.
        if (this.cursor.remaining > 0 && this.bytes[this.cursor.offset] !== ANY_OBJECT) {
          this.fail('ERR_UPDATE_MALFORMED', 'subdocument options are not an object');
        }
        this.values.readAny();
        return 1;
      default:
        return this.fail('ERR_UPDATE_MALFORMED', `unknown content reference ${contentRef}`);
    }
  }

  /** A length that costs no bytes (GC, Skip, deleted content): capped, never 0. */
  private readFreeLength(what: string): number {
    const length = this.cursor.readVarUint();
    if (length > this.limits.maxStructLength) {
      this.fail('ERR_UPDATE_STRUCT_TOO_LONG', `${what} of length ${length} exceeds ${this.limits.maxStructLength}`);
    }
    if (length === 0) this.fail('ERR_UPDATE_MALFORMED', `${what} of length 0`);
    return length;
  }

  private readReference(client: number, clock: number, what: string): void {
    const target = this.cursor.readVarUint();
    const targetClock = this.cursor.readVarUint();
    if (target === client) {
      // Yjs does not check same-client references for presence; one at or
      // past the struct's own clock makes integration throw midway.
      if (targetClock >= clock) this.fail('ERR_UPDATE_MALFORMED', `${what} points forward in its own client`);
      return;
    }
    const required = targetClock + 1;
    const references = (this.references ??= new Map<number, number>());
    const known = references.get(target);
    if (known === undefined) {
      if (references.size >= this.limits.maxClients) {
        this.fail('ERR_UPDATE_TOO_MANY_CLIENTS', `references to more than ${this.limits.maxClients} clients`);
      }
      references.set(target, required);
    } else if (required > known) {
      references.set(target, required);
    }
  }

  private readDeleteSet(): void {
    const clientCount = this.cursor.readVarUint();
    this.checkCount(clientCount, this.limits.maxClients, 'ERR_UPDATE_TOO_MANY_CLIENTS', 'delete-set clients', 2);
    let previousClient = Infinity;
    for (let index = 0; index < clientCount; index++) {
      const client = this.cursor.readVarUint();
      if (client >= previousClient) this.canonical = false;
      previousClient = client;
      const rangeCount = this.cursor.readVarUint();
      if (this.deleteRangeCount + rangeCount > this.limits.maxDeleteRanges) {
        this.fail('ERR_UPDATE_TOO_MANY_DELETES', `more than ${this.limits.maxDeleteRanges} delete ranges`);
      }
      if (rangeCount * 2 > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${rangeCount} delete ranges cannot fit`);
      this.deleteRangeCount += rangeCount;
      // Yjs merges repeated clients in a delete set, so they are tolerated here too.
      let endClock = this.deleteSet?.get(client)?.endClock ?? 0;
      // Canonical ranges are sorted by clock, non-empty, and neither overlap
      // nor touch: the form receivers' pending delete sets are encoded in.
      let previousEnd = -1;
      for (let range = 0; range < rangeCount; range++) {
        const clock = this.cursor.readVarUint();
        const length = this.cursor.readVarUint();
        if (clock + length > Number.MAX_SAFE_INTEGER) this.fail('ERR_UPDATE_MALFORMED', 'delete range overflows the clock');
        if (length === 0 || clock <= previousEnd) this.canonical = false;
        previousEnd = clock + length;
        if (clock + length > endClock) endClock = clock + length;
      }
      if (rangeCount === 0) continue;
      const deleteSet = (this.deleteSet ??= new Map<number, DeleteSetRange>());
      const previous = deleteSet.get(client);
      deleteSet.set(client, { rangeCount: (previous?.rangeCount ?? 0) + rangeCount, endClock });
    }
  }

  /** Refuses a declared count over its cap, then one that cannot fit in the bytes left. */
  private checkCount(count: number, cap: number, code: UpdateRejectionCode, what: string, minimumBytes: number): void {
    if (count > cap) this.fail(code, `${count} ${what} exceed ${cap}`);
    if (count * minimumBytes > this.cursor.remaining) this.fail('ERR_UPDATE_MALFORMED', `${count} ${what} cannot fit`);
  }

  private fail(code: UpdateRejectionCode, detail: string): never {
    throw new UpdateRejectionError(code, detail, this.cursor.offset);
  }
}
