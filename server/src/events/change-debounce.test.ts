import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeDebounce, MAX_WAIT_PERIODS } from './change-debounce.ts';
import type { DocumentChangeAuthor } from './server-events.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function debounce(ms: number) {
  const ended: { docName: string; authors: readonly DocumentChangeAuthor[] }[] = [];
  const instance = new ChangeDebounce(ms, (docName, authors) => ended.push({ docName, authors }), () => Date.now());
  return { instance, ended };
}

describe('ChangeDebounce', () => {
  it('ends a period after a quiet debounce, listing each author once in order of first change', () => {
    const { instance, ended } = debounce(100);
    instance.add('doc', 7, { connectionId: 7, user: 'ann' });
    vi.advanceTimersByTime(40);
    instance.add('doc', 'server', { server: true });
    instance.add('doc', 7, { connectionId: 7, user: 'ann' });
    instance.add('doc', 9, { connectionId: 9 });
    vi.advanceTimersByTime(99);
    expect(ended).toEqual([]);
    expect(instance.isPending('doc')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(ended).toEqual([
      { docName: 'doc', authors: [{ connectionId: 7, user: 'ann' }, { server: true }, { connectionId: 9 }] },
    ]);
    expect(instance.isPending('doc')).toBe(false);
  });

  it('starts a new period, with only its own authors, after one ended', () => {
    const { instance, ended } = debounce(10);
    instance.add('doc', 1, { connectionId: 1 });
    vi.advanceTimersByTime(10);
    instance.add('doc', 2, { connectionId: 2 });
    vi.advanceTimersByTime(10);
    expect(ended.map((end) => end.authors)).toEqual([[{ connectionId: 1 }], [{ connectionId: 2 }]]);
  });

  it(`ends a period without a pause ${MAX_WAIT_PERIODS} debounces after its first change`, () => {
    const { instance, ended } = debounce(100);
    for (let elapsed = 0; elapsed < MAX_WAIT_PERIODS * 100; elapsed += 50) {
      instance.add('busy', 1, { connectionId: 1 });
      vi.advanceTimersByTime(50);
    }
    expect(ended).toHaveLength(1);
    instance.add('busy', 1, { connectionId: 1 });
    expect(instance.isPending('busy')).toBe(true);
  });

  it('keeps documents apart', () => {
    const { instance, ended } = debounce(100);
    instance.add('a', 1, { connectionId: 1 });
    vi.advanceTimersByTime(60);
    instance.add('b', 2, { connectionId: 2 });
    vi.advanceTimersByTime(40);
    expect(ended.map((end) => end.docName)).toEqual(['a']);
    vi.advanceTimersByTime(60);
    expect(ended.map((end) => end.docName)).toEqual(['a', 'b']);
  });

  it('ends every period at once on endAll, and no timer fires after', () => {
    const { instance, ended } = debounce(1_000);
    instance.add('a', 1, { connectionId: 1 });
    instance.add('b', 'server', { server: true });
    instance.endAll();
    expect(ended.map((end) => end.docName)).toEqual(['a', 'b']);
    vi.advanceTimersByTime(10_000);
    expect(ended).toHaveLength(2);
  });
});
