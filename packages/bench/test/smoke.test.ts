import { describe, expect, it } from 'vitest';
import { medianFigures, runBenchmark, SCENARIOS, SMOKE_SCALE, TARGETS } from '../src/index.ts';

// The benchmark's CI form: every scenario end to end against Quire alone, at
// a tiny scale. It checks outcomes (delivery, convergence, durability, no
// echo), never timings, which vary between machines.
describe('benchmark smoke run on Quire', () => {
  it('runs every scenario to completion with correct outcomes', { timeout: 90_000 }, async () => {
    const result = await runBenchmark({ scale: SMOKE_SCALE, targets: ['quire'], warmUp: false });
    const figures = new Map(result.results.map((entry) => [entry.scenario, entry]));
    const quire = TARGETS.find((target) => target.id === 'quire')!;
    for (const scenario of SCENARIOS.filter((candidate) => candidate.appliesTo(quire))) {
      const entry = figures.get(scenario.id);
      expect(entry?.errors, scenario.id).toEqual([]);
      expect(entry?.runs, scenario.id).toHaveLength(1);
    }
    const of = (id: (typeof SCENARIOS)[number]['id']) => medianFigures(figures.get(id)!);
    expect(of('S1')['delivered (%)']).toBe(100);
    expect(of('S1')['server CPU (ms)']).toBeGreaterThanOrEqual(0);
    expect(of('S2')['all replicas converge (1 = yes)']).toBe(1);
    expect(of('S2')['server CPU per delivered update (µs)']).toBeGreaterThanOrEqual(0);
    expect(of('S3')['still open after settle (%)']).toBe(100);
    expect(of('S3')['RSS with all connected (MiB)']).toBeGreaterThan(0);
    expect(of('S4')['document complete after restart (%)']).toBe(100);
    expect(of('S4')['ack delay p99 (ms)']).toBeGreaterThanOrEqual(0);
    expect(of('S5')['own edits echoed back (bytes)']).toBe(0);
    expect(Number.isFinite(of('S5')['reconnect to converged (ms)'])).toBe(true);
    expect(of('S6')['joiners holding it (%)']).toBe(100);
  });
});
