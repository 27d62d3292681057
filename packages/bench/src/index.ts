export { runBenchmark, medianFigures } from './run-benchmark.ts';
export type { BenchmarkOptions, BenchmarkResult, ScenarioResult } from './run-benchmark.ts';
export { FULL_SCALE, QUICK_SCALE, SMOKE_SCALE } from './scales.ts';
export { SCENARIOS } from './scenarios.ts';
export type { Figures, Scenario, ScenarioId, ScenarioScale } from './scenario.ts';
export { TARGETS } from './targets.ts';
export type { Target, TargetId } from './targets.ts';
export { renderTable } from './render-table.ts';
export { evaluateTargets, renderVerdicts } from './evaluate-targets.ts';
