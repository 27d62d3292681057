import type { DocumentChangeAuthor } from './server-events.ts';

/**
 * A document edited without a pause still gets its event this many
 * debounce periods after the period's first change: a webhook for a
 * document someone types into all day must not wait for the end of the day.
 */
export const MAX_WAIT_PERIODS = 10;

/** One document's changes since its last event. */
interface Period {
  /** By connection ID (or 'server'): each author once, in the order of first change. */
  readonly authors: Map<number | 'server', DocumentChangeAuthor>;
  readonly startedAt: number;
  lastChangeAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Collects the authors of each document's changes and ends the document's
 * period once it has seen no change for `debounceMs` (or, at the latest,
 * MAX_WAIT_PERIODS × `debounceMs` after it began). One timer per period,
 * re-armed only when it fires early, so a burst of changes costs a map
 * lookup each.
 */
export class ChangeDebounce {
  private readonly periods = new Map<string, Period>();

  constructor(
    private readonly debounceMs: number,
    private readonly onEnd: (docName: string, authors: readonly DocumentChangeAuthor[]) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(docName: string, key: number | 'server', author: DocumentChangeAuthor): void {
    const now = this.now();
    const period = this.periods.get(docName);
    if (period === undefined) {
      const authors = new Map([[key, author]]);
      this.periods.set(docName, { authors, startedAt: now, lastChangeAt: now, timer: this.arm(docName, this.debounceMs) });
      return;
    }
    period.lastChangeAt = now;
    // A subject may change with a token refresh; the latest is what the period reports.
    period.authors.set(key, author);
  }

  isPending(docName: string): boolean {
    return this.periods.has(docName);
  }

  /** Ends every period now (the server's close). */
  endAll(): void {
    for (const docName of [...this.periods.keys()]) this.end(docName);
  }

  private arm(docName: string, delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.fire(docName), delayMs);
    // The server's close ends every period; a pending event keeps no process alive.
    timer.unref();
    return timer;
  }

  private fire(docName: string): void {
    const period = this.periods.get(docName);
    if (period === undefined) return;
    const now = this.now();
    const quietUntil = period.lastChangeAt + this.debounceMs;
    const deadline = period.startedAt + this.debounceMs * MAX_WAIT_PERIODS;
    const endsAt = Math.min(quietUntil, deadline);
    if (endsAt > now) {
      period.timer = this.arm(docName, Math.ceil(endsAt - now));
      return;
    }
    this.end(docName);
  }

  private end(docName: string): void {
    const period = this.periods.get(docName);
    if (period === undefined) return;
    clearTimeout(period.timer);
    this.periods.delete(docName);
    this.onEnd(docName, [...period.authors.values()]);
  }
}
