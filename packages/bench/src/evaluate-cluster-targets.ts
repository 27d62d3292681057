import { NODE_COUNTS } from './cluster-targets.ts';
import type { TargetVerdict } from './evaluate-targets.ts';
import { figureLookup } from './figure-lookup.ts';
import { formatNumber } from './format-number.ts';
import type { BenchmarkResult } from './run-benchmark.ts';
import type { ScenarioId } from './scenario.ts';
import type { NodeCount } from './targets.ts';

/** S2 on three nodes against one: the goal for adding nodes. */
export const SCALE_OUT_GOAL = 2;
export const ACK_P99_GOAL_MS = 50;

/**
 * Checks Quire's goals for many nodes (docs/performance.md) against one run:
 * Quire on n nodes against Hocuspocus + Redis on n instances, measured side
 * by side, and Quire on three nodes against one.
 */
export function evaluateClusterTargets(result: BenchmarkResult): TargetVerdict[] {
  const value = figureLookup(result);
  const measured = new Set(result.targets.map((target) => target.id));
  const counts = NODE_COUNTS.filter((nodes) => measured.has(`quire-cluster-${nodes}`) || measured.has(`hocuspocus-redis-${nodes}`));
  const verdicts: TargetVerdict[] = [];

  const aheadGoal = (scenario: ScenarioId, nodes: NodeCount, goal: string, metric: string): void => {
    const quire = value(scenario, `quire-cluster-${nodes}`, metric);
    const hocuspocus = value(scenario, `hocuspocus-redis-${nodes}`, metric);
    if (!Number.isFinite(quire) || !Number.isFinite(hocuspocus) || hocuspocus === 0) {
      verdicts.push({ scenario, goal, detail: 'not measured', met: undefined });
      return;
    }
    const ratio = quire / hocuspocus;
    verdicts.push({
      scenario,
      goal,
      detail: `Quire ${formatNumber(quire)} vs Hocuspocus + Redis ${formatNumber(hocuspocus)}: ${formatNumber(ratio)}× (goal < 1×)`,
      met: ratio < 1,
    });
  };
  const quireGoal = (scenario: ScenarioId, nodes: NodeCount, goal: string, metric: string, ok: (quire: number) => boolean): void => {
    const quire = value(scenario, `quire-cluster-${nodes}`, metric);
    verdicts.push({ scenario, goal, detail: `Quire ${formatNumber(quire)}`, met: Number.isFinite(quire) ? ok(quire) : undefined });
  };
  const scaleOutGoal = (scenario: ScenarioId, placement: string): void => {
    const metric = 'delivered updates/s';
    const one = value(scenario, 'quire-cluster-1', metric);
    const three = value(scenario, 'quire-cluster-3', metric);
    const ratio = three / one;
    const goal = `delivered updates/s on 3 nodes ≥ ${SCALE_OUT_GOAL} × 1 node, ${placement} (the load generator shares the machine's cores)`;
    verdicts.push(
      Number.isFinite(ratio)
        ? { scenario, goal, detail: `Quire ${formatNumber(three)} vs ${formatNumber(one)}: ${formatNumber(ratio)}×`, met: ratio >= SCALE_OUT_GOAL }
        : { scenario, goal, detail: 'not measured', met: undefined },
    );
  };

  for (const nodes of counts) {
    const on = `on ${nodes} node${nodes === 1 ? '' : 's'}`;
    // One node has no node away from the writer.
    if (nodes > 1) {
      aheadGoal('S1', nodes, `cross-node p50 latency ${on} below Hocuspocus + Redis`, 'cross-node p50 latency (ms)');
      aheadGoal('S1', nodes, `cross-node p99 latency ${on} below Hocuspocus + Redis`, 'cross-node p99 latency (ms)');
    }
    aheadGoal('S1', nodes, `CPU per delivered update ${on} (all nodes) below Hocuspocus + Redis`, 'server CPU per delivered update (µs)');
    quireGoal('S2', nodes, `all replicas converge ${on}`, 'all replicas converge (1 = yes)', (quire) => quire === 1);
    quireGoal('S4', nodes, `acknowledgement delay p99 < ${ACK_P99_GOAL_MS} ms on PostgreSQL, ${nodes} node${nodes === 1 ? '' : 's'}`, 'ack delay p99 (ms)', (quire) => quire < ACK_P99_GOAL_MS);
    quireGoal('S4', nodes, `every acknowledged update after restarting ${nodes === 1 ? 'the node' : nodes === 2 ? 'both nodes' : `all ${nodes} nodes`}`, 'document complete after restart (%)', (quire) => quire === 100);
  }
  if (counts.includes(1) && counts.includes(3)) {
    scaleOutGoal('S2', 'every document on every node');
    scaleOutGoal('S7', 'each document on one node');
  }
  return verdicts;
}
