import type { ScenarioScale } from './scenario.ts';

/** The full sizes (`pnpm bench --full`). */
export const FULL_SCALE: ScenarioScale = {
  s1: { readers: 50, intervalMs: 10, durationMs: 10_000 },
  s2: { documents: 100, clientsPerDocument: 5, inFlight: 4, durationMs: 15_000 },
  s3: { connections: 2_000, documents: 500 },
  s4: { updates: 20_000, restartDelayMs: 4_000 },
  s5: { offlineEdits: 2_000, othersEdits: 200 },
  s6: { documentBytes: 5 * 2 ** 20, joiners: 200 },
};

/** The same workloads, shorter, so six targets fit in about three minutes (`pnpm bench`). */
export const QUICK_SCALE: ScenarioScale = {
  ...FULL_SCALE,
  s1: { ...FULL_SCALE.s1, durationMs: 3_000 },
  s2: { ...FULL_SCALE.s2, durationMs: 4_000 },
  s4: { updates: 20_000, restartDelayMs: 1_000 },
  // 200 joiners of 5 MiB move 1 GiB through one load generator: half of each keeps it short.
  s6: { documentBytes: 2.5 * 2 ** 20, joiners: 100 },
};

/** Small enough for CI: proves every scenario runs end to end, measures nothing. */
export const SMOKE_SCALE: ScenarioScale = {
  s1: { readers: 5, intervalMs: 10, durationMs: 300 },
  s2: { documents: 3, clientsPerDocument: 3, inFlight: 2, durationMs: 300 },
  s3: { connections: 40, documents: 10 },
  s4: { updates: 300, restartDelayMs: 0 },
  s5: { offlineEdits: 100, othersEdits: 20 },
  s6: { documentBytes: 64 * 1024, joiners: 10 },
};
