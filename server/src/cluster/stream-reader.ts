import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { StreamKeys } from './stream-keys.ts';

// Longest a blocked read waits. Joins interrupt it with CLIENT UNBLOCK, so
// this only bounds an interrupt lost in a race, and closing.
const BLOCK_MS = 5_000;
// Entries taken per read, over all streams together.
const READ_COUNT = 500;
// CLIENT UNBLOCK sent before the read reached Redis finds no blocked client; it is tried again a few times.
const UNBLOCK_ATTEMPTS = 10;
const UNBLOCK_RETRY_MS = 10;
// After a failed read, the loop waits this long (or for a wake-up) before trying again.
const ERROR_PAUSE_MS = 1_000;

export interface StreamReaderOptions {
  /** The blocking connection: nothing else is sent on it. */
  readonly reader: Redis;
  /** The command connection, for CLIENT UNBLOCK. */
  readonly command: Redis;
  readonly keys: StreamKeys;
  readonly logger: Logger;
  /** One entry of a followed document's stream, in stream order, raw. */
  readonly deliver: (docName: string, id: string, fields: Buffer[]) => void;
  /** A read failed (Redis unreachable): cross-node delivery must not rely on the streams now. */
  readonly onReadFailed: (error: unknown) => void;
  /** A read succeeded. */
  readonly onReadOk: () => void;
}

/**
 * The loop that reads every followed document's stream with one blocking
 * XREAD on a connection of its own, from the last id it delivered of each.
 * When the set of documents changes the blocked read is interrupted with
 * CLIENT UNBLOCK, so a joined document's entries flow at once rather than
 * after the block times out, without polling Redis in short blocks.
 */
export class StreamReader {
  /** Followed documents, each with the id of the last entry read from its stream. */
  private readonly positions = new Map<string, string>();
  private readonly docNameOfKey = new Map<string, string>();
  private readerClientId: number | undefined;
  /** The read in flight, if any (for the interrupt). */
  private reading = false;
  private wake: (() => void) | undefined;
  private stopped = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: StreamReaderOptions) {
    // A reconnected connection is another client with another id.
    options.reader.on('close', () => {
      this.readerClientId = undefined;
    });
  }

  get following(): number {
    return this.positions.size;
  }

  /** Reads `docName`'s stream from after `fromId` on (again, if already followed). */
  follow(docName: string, fromId: string): void {
    const key = this.options.keys.updates(docName);
    this.positions.set(docName, fromId);
    this.docNameOfKey.set(key, docName);
    this.interrupt();
  }

  unfollow(docName: string): void {
    if (!this.positions.delete(docName)) return;
    this.docNameOfKey.delete(this.options.keys.updates(docName));
    this.interrupt();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt();
    await this.loop;
  }

  /** Makes the loop start a new read now: it sleeps, or its blocked read is unblocked. */
  interrupt(): void {
    this.wake?.();
    if (this.reading) void this.unblock();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const { reader } = this.options;
      if (this.positions.size === 0 || reader.status !== 'ready') {
        await this.sleep(BLOCK_MS);
        continue;
      }
      try {
        await this.readOnce();
        this.options.onReadOk();
      } catch (error) {
        if (this.stopped) break;
        this.options.onReadFailed(error);
        await this.sleep(ERROR_PAUSE_MS);
      }
    }
  }

  private async readOnce(): Promise<void> {
    const { reader } = this.options;
    this.readerClientId ??= Number(await reader.client('ID'));
    const docNames = [...this.positions.keys()];
    const keys = docNames.map((docName) => this.options.keys.updates(docName));
    const ids = docNames.map((docName) => this.positions.get(docName)!);
    this.reading = true;
    let reply: unknown;
    try {
      reply = await reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids);
    } finally {
      this.reading = false;
    }
    for (const [key, items] of streamsOf(reply)) {
      const docName = this.docNameOfKey.get(key);
      if (docName === undefined) continue;
      for (const [id, fields] of items) {
        // Left (or re-followed from elsewhere) while these were delivered: stop.
        if (!this.positions.has(docName)) break;
        this.positions.set(docName, id);
        this.options.deliver(docName, id, fields);
      }
    }
  }

  private async unblock(): Promise<void> {
    const { command, logger } = this.options;
    for (let attempt = 0; attempt < UNBLOCK_ATTEMPTS && this.reading; attempt += 1) {
      const clientId = this.readerClientId;
      if (clientId === undefined || command.status !== 'ready') return;
      try {
        if (Number(await command.client('UNBLOCK', clientId)) === 1) return;
      } catch (error) {
        logger.debug({ err: error }, 'CLIENT UNBLOCK failed');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNBLOCK_RETRY_MS).unref());
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

type StreamItems = [id: string, fields: Buffer[]][];

/** XREAD's reply (RESP2: a list of [key, [[id, fields], …]]) as keys and entries; anything else reads as nothing. */
function streamsOf(reply: unknown): [key: string, items: StreamItems][] {
  if (!Array.isArray(reply)) return [];
  const streams: [string, StreamItems][] = [];
  for (const stream of reply as unknown[]) {
    if (!Array.isArray(stream) || stream.length !== 2 || !Buffer.isBuffer(stream[0]) || !Array.isArray(stream[1])) continue;
    const items: StreamItems = [];
    for (const item of stream[1] as unknown[]) {
      if (!Array.isArray(item) || !Buffer.isBuffer(item[0])) continue;
      const fields = Array.isArray(item[1]) ? (item[1] as unknown[]).filter((field): field is Buffer => Buffer.isBuffer(field)) : [];
      items.push([item[0].toString('latin1'), fields]);
    }
    streams.push([stream[0].toString('utf8'), items]);
  }
  return streams;
}
