import { formatNumber } from './format-number.ts';
import { medianFigures, type BenchmarkResult } from './run-benchmark.ts';
import { SCENARIOS } from './scenarios.ts';

// Figures that are facts about the workload or yes/no answers, not costs to compare.
export const NO_RATIO = /\(%\)|\(1 = yes\)|^document \(MiB\)|diff \(bytes\)|echoed/;

/**
 * One markdown table: a row per figure, a column per target, and beside each
 * other target's figure the ratio Quire ÷ that target from the same run.
 */
export function renderTable(result: BenchmarkResult): string {
  const { targets } = result;
  const header = ['Scenario', 'Figure', ...targets.map((target) => target.label)];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, index) => (index < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const scenario of SCENARIOS) {
    const medians = new Map(
      result.results.filter((entry) => entry.scenario === scenario.id).map((entry) => [entry.target, medianFigures(entry)]),
    );
    if (medians.size === 0) continue;
    const metrics = [...new Set([...medians.values()].flatMap((figures) => Object.keys(figures)))];
    for (const metric of metrics) {
      const quire = medians.get('quire')?.[metric];
      const cells = targets.map((target) => {
        const value = medians.get(target.id)?.[metric];
        const text = formatNumber(value);
        if (target.id === 'quire' || NO_RATIO.test(metric) || quire === undefined || value === undefined) return text;
        if (!Number.isFinite(quire) || !Number.isFinite(value) || value === 0) return text;
        return `${text} (${formatNumber(quire / value)}×)`;
      });
      lines.push(`| ${scenario.id} ${scenario.title} | ${metric} | ${cells.join(' | ')} |`);
    }
  }
  const failures = result.results.flatMap((entry) =>
    entry.errors.map((error) => `- ${entry.scenario} on ${entry.target} failed: ${error.split('\n')[0]}`),
  );
  return [...lines, '', '(n×) = Quire ÷ that target, from the same run; — = not applicable or not measured.', ...failures].join('\n');
}
