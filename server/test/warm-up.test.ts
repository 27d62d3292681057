import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/warm-up.ts';

describe('start-up warm-up', () => {
  it('runs a join, a resume and live edits through a throwaway room', async () => {
    const result = await warmUp();
    // 64 offline and 64 live one-character edits reach the second joiner.
    expect(result.textLength).toBe(128);
    expect(result.messagesSent).toBeGreaterThanOrEqual(3);
  });
});
