import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/cli/warm-up.ts';

describe('start-up warm-up', () => {
  it('runs a join, two clients\' resumes and live edits through a throwaway room', async () => {
    const result = await warmUp();
    // Six rounds of 600 offline edits (two resumes each) and 64 live edits reach the second joiner.
    expect(result.textLength).toBe(6 * 600 + 64);
    expect(result.messagesSent).toBeGreaterThanOrEqual(3);
    // A fresh room loaded the stored document and served all of it to a joiner.
    expect(result.reloadedTextLength).toBe(result.textLength);
  });
});
