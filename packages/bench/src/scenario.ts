import type { ChildServer } from '@quire/test-utils';
import type { Target } from './targets.ts';
import type { WireAdapter } from './wire-adapter.ts';

/** One measured figure of a scenario; NaN when it does not apply. */
export type Figures = Record<string, number>;

/** What a scenario gets to drive one target. */
export interface ScenarioHarness {
  readonly target: Target;
  readonly dataDir: string;
  /** The running server, a cluster's first node (replaced by `restart`). */
  readonly server: ChildServer;
  /** Every node's server, `server` first: one for a single-process target. */
  readonly servers: readonly ChildServer[];
  readonly baseUrl: string;
  /** Every node's base URL, in the order of `servers`. */
  readonly baseUrls: readonly string[];
  /** A cluster target's redis-server, whose CPU is reported beside the servers'. */
  readonly redisPid?: number;
  /** A cluster target's PostgreSQL database, whose backends' CPU is reported too. */
  readonly databaseName?: string;
  createWire(): WireAdapter;
  /**
   * Stops every server gracefully (SIGTERM) and starts them again on the same
   * data directory (a cluster: the same database, Redis and ports).
   */
  restart(): Promise<void>;
}

export interface ScenarioScale {
  readonly s1: { readonly readers: number; readonly intervalMs: number; readonly durationMs: number };
  readonly s2: { readonly documents: number; readonly clientsPerDocument: number; readonly inFlight: number; readonly durationMs: number };
  readonly s3: { readonly connections: number; readonly documents: number };
  readonly s4: { readonly updates: number; readonly restartDelayMs: number };
  readonly s5: { readonly offlineEdits: number; readonly othersEdits: number };
  readonly s6: { readonly documentBytes: number; readonly joiners: number };
}

export type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4' | 'S5' | 'S6' | 'S7';

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** False when the target cannot run it (the relay keeps no document to load). */
  appliesTo(target: Target): boolean;
  run(harness: ScenarioHarness, scale: ScenarioScale): Promise<Figures>;
}

/** Every wait in a scenario ends: a stuck target yields NaN figures, not a hung run. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, pollMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
