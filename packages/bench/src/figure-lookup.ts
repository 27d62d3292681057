import { medianFigures, type BenchmarkResult } from './run-benchmark.ts';
import type { Figures, ScenarioId } from './scenario.ts';
import type { TargetId } from './targets.ts';

/** A figure's median over the repetitions; NaN when it was not measured. */
export type FigureLookup = (scenario: ScenarioId, target: TargetId, metric: string) => number;

export function figureLookup(result: BenchmarkResult): FigureLookup {
  const figures = new Map<string, Figures>();
  for (const entry of result.results) figures.set(`${entry.scenario}:${entry.target}`, medianFigures(entry));
  return (scenario, target, metric) => figures.get(`${scenario}:${target}`)?.[metric] ?? Number.NaN;
}
