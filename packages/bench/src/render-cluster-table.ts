import { ALL_TARGETS, NODE_COUNTS } from './cluster-targets.ts';
import { figureLookup } from './figure-lookup.ts';
import { formatNumber } from './format-number.ts';
import { NO_RATIO } from './render-table.ts';
import type { BenchmarkResult } from './run-benchmark.ts';
import { SCENARIOS } from './scenarios.ts';
import type { ClusterTargetId, NodeCount } from './targets.ts';

type Family = 'quire-cluster' | 'hocuspocus-redis';

const ratioText = (numerator: number, denominator: number): string =>
  Number.isFinite(numerator) && Number.isFinite(denominator) && denominator !== 0 ? `${formatNumber(numerator / denominator)}×` : '—';

/**
 * The cluster targets' table: a column per target, Quire on n nodes beside
 * Hocuspocus + Redis on n instances with the ratio Quire ÷ it, then each
 * family's figure on its most nodes ÷ on one node. All from the same run.
 */
export function renderClusterTable(result: BenchmarkResult): string {
  const value = figureLookup(result);
  const measured = new Set(result.targets.map((target) => target.id));
  const id = (family: Family, nodes: NodeCount): ClusterTargetId => `${family}-${nodes}`;
  const counts = NODE_COUNTS.filter((nodes) => measured.has(id('quire-cluster', nodes)) || measured.has(id('hocuspocus-redis', nodes)));
  const columns = counts.flatMap((nodes) => [id('quire-cluster', nodes), id('hocuspocus-redis', nodes)]).filter((target) => measured.has(target));
  const most = counts[counts.length - 1];
  const scaling = most !== undefined && most > 1 && counts.includes(1) ? most : undefined;
  const families: Family[] = scaling === undefined ? [] : (['quire-cluster', 'hocuspocus-redis'] as const).filter((family) => measured.has(id(family, 1)) && measured.has(id(family, scaling)));

  const label = (target: ClusterTargetId): string => ALL_TARGETS.find((candidate) => candidate.id === target)?.label ?? target;
  const header = [
    'Scenario',
    'Figure',
    ...columns.map(label),
    ...families.map((family) => `${family === 'quire-cluster' ? 'Quire' : 'Hocuspocus + Redis'} ${scaling} ÷ 1 node`),
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, index) => (index < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const scenario of SCENARIOS) {
    const entries = result.results.filter((entry) => entry.scenario === scenario.id && columns.includes(entry.target as ClusterTargetId));
    if (entries.length === 0) continue;
    const metrics = [...new Set(entries.flatMap((entry) => entry.runs.flatMap((run) => Object.keys(run))))];
    for (const metric of metrics) {
      const cells = columns.map((target) => {
        const figure = value(scenario.id, target, metric);
        const text = formatNumber(figure);
        if (!target.startsWith('hocuspocus-redis-') || NO_RATIO.test(metric)) return text;
        const quire = value(scenario.id, target.replace('hocuspocus-redis-', 'quire-cluster-') as ClusterTargetId, metric);
        const ratio = ratioText(quire, figure);
        return ratio === '—' ? text : `${text} (${ratio})`;
      });
      const scaled = families.map((family) =>
        NO_RATIO.test(metric) ? '—' : ratioText(value(scenario.id, id(family, scaling!), metric), value(scenario.id, id(family, 1), metric)),
      );
      lines.push(`| ${scenario.id} ${scenario.title} | ${metric} | ${[...cells, ...scaled].join(' | ')} |`);
    }
  }
  const failures = result.results
    .filter((entry) => columns.includes(entry.target as ClusterTargetId))
    .flatMap((entry) => entry.errors.map((error) => `- ${entry.scenario} on ${entry.target} failed: ${error.split('\n')[0]}`));
  return [
    ...lines,
    '',
    '(n×) = Quire on as many nodes ÷ that Hocuspocus + Redis, from the same run; CPU and RSS are every node together; — = not applicable or not measured.',
    ...failures,
  ].join('\n');
}
