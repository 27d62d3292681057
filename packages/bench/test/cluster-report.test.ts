import { describe, expect, it } from 'vitest';
import { CLUSTER_TARGETS } from '../src/cluster-targets.ts';
import { evaluateClusterTargets } from '../src/evaluate-cluster-targets.ts';
import { renderClusterTable } from '../src/render-cluster-table.ts';
import type { BenchmarkResult, ScenarioResult } from '../src/run-benchmark.ts';
import type { Figures, ScenarioId } from '../src/scenario.ts';
import type { ClusterTargetId } from '../src/targets.ts';

const entry = (scenario: ScenarioId, target: ClusterTargetId, ...runs: Figures[]): ScenarioResult => ({ scenario, target, runs, errors: [] });

const s1 = (p50: number, p99: number, cpu: number): Figures => ({
  'p50 latency (ms)': p50,
  'delivered (%)': 100,
  'cross-node p50 latency (ms)': p50,
  'cross-node p99 latency (ms)': p99,
  'server CPU per delivered update (µs)': cpu,
});

/** Quire and Hocuspocus + Redis on 1 and 3 nodes, figures chosen per goal. */
function sampleResult(): BenchmarkResult {
  const ids: ClusterTargetId[] = ['quire-cluster-1', 'hocuspocus-redis-1', 'quire-cluster-3', 'hocuspocus-redis-3'];
  return {
    targets: CLUSTER_TARGETS.filter((target) => ids.includes(target.id as ClusterTargetId)),
    results: [
      entry('S1', 'quire-cluster-1', s1(2, 6, 30)),
      entry('S1', 'hocuspocus-redis-1', s1(3, 9, 40)),
      // Three repetitions: the median decides.
      entry('S1', 'quire-cluster-3', s1(4, 4, 50), s1(4, 5, 50), s1(4, 30, 50)),
      entry('S1', 'hocuspocus-redis-3', s1(8, 20, 45)),
      entry('S2', 'quire-cluster-1', { 'delivered updates/s': 10_000, 'all replicas converge (1 = yes)': 1 }),
      entry('S2', 'hocuspocus-redis-1', { 'delivered updates/s': 8_000, 'all replicas converge (1 = yes)': 1 }),
      entry('S2', 'quire-cluster-3', { 'delivered updates/s': 15_000, 'all replicas converge (1 = yes)': 0 }),
      entry('S2', 'hocuspocus-redis-3', { 'delivered updates/s': 4_000, 'all replicas converge (1 = yes)': 1 }),
      entry('S7', 'quire-cluster-1', { 'delivered updates/s': 10_000 }),
      entry('S7', 'quire-cluster-3', { 'delivered updates/s': 25_000 }),
      entry('S4', 'quire-cluster-1', { 'ack delay p99 (ms)': 12, 'document complete after restart (%)': 100 }),
      entry('S4', 'quire-cluster-3', { 'ack delay p99 (ms)': 60, 'document complete after restart (%)': 100 }),
    ],
  };
}

describe('cluster goals', () => {
  const verdicts = evaluateClusterTargets(sampleResult());
  const verdict = (goal: string) => verdicts.find((candidate) => candidate.goal.startsWith(goal));

  it('compares Quire on n nodes with Hocuspocus + Redis on n instances', () => {
    expect(verdict('CPU per delivered update on 1 node')).toMatchObject({ met: true, detail: 'Quire 30.0 vs Hocuspocus + Redis 40.0: 0.750× (goal < 1×)' });
    expect(verdict('CPU per delivered update on 3 nodes')).toMatchObject({ met: false });
    expect(verdict('cross-node p50 latency on 3 nodes')).toMatchObject({ met: true, detail: 'Quire 4.00 vs Hocuspocus + Redis 8.00: 0.500× (goal < 1×)' });
    // The median of the three repetitions (4, 5, 30).
    expect(verdict('cross-node p99 latency on 3 nodes')).toMatchObject({ met: true, detail: 'Quire 5.00 vs Hocuspocus + Redis 20.0: 0.250× (goal < 1×)' });
  });

  it('has no cross-node goal on one node, and none for a node count not run', () => {
    expect(verdict('cross-node p50 latency on 1 node')).toBeUndefined();
    expect(verdicts.some((candidate) => candidate.goal.includes('2 nodes'))).toBe(false);
  });

  it('checks the acknowledgement delay, durability and convergence of every Quire cluster', () => {
    expect(verdict('acknowledgement delay p99 < 50 ms on PostgreSQL, 1 node')?.met).toBe(true);
    expect(verdict('acknowledgement delay p99 < 50 ms on PostgreSQL, 3 nodes')?.met).toBe(false);
    expect(verdict('every acknowledged update after restarting all 3 nodes')?.met).toBe(true);
    expect(verdict('all replicas converge on 3 nodes')?.met).toBe(false);
  });

  it('asks three nodes for twice the throughput of one, documents spread or not, and says the cores are shared', () => {
    const [spread, byDocument] = verdicts.filter((candidate) => candidate.goal.startsWith('delivered updates/s on 3 nodes'));
    expect(spread).toMatchObject({ scenario: 'S2', met: false, detail: 'Quire 15,000 vs 10,000: 1.50×' });
    expect(byDocument).toMatchObject({ scenario: 'S7', met: true, detail: 'Quire 25,000 vs 10,000: 2.50×' });
    expect(spread?.goal).toContain("shares the machine's cores");
  });

  it('reports a goal whose figures are missing as not measured', () => {
    const partial = sampleResult();
    const withoutHocuspocus: BenchmarkResult = {
      targets: partial.targets.filter((target) => target.id !== 'hocuspocus-redis-3'),
      results: partial.results.filter((result) => result.target !== 'hocuspocus-redis-3'),
    };
    const again = evaluateClusterTargets(withoutHocuspocus).find((candidate) => candidate.goal.startsWith('cross-node p99 latency on 3 nodes'));
    expect(again).toMatchObject({ detail: 'not measured', met: undefined });
  });
});

describe('cluster table', () => {
  const table = renderClusterTable(sampleResult());
  const row = (figure: string): string[] =>
    table
      .split('\n')
      .find((line) => line.includes(`| ${figure} |`))!
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());

  it('puts each Quire cluster beside the Hocuspocus one of its size, then 3 ÷ 1 node per family', () => {
    expect(row('Figure')).toEqual([
      'Scenario',
      'Figure',
      'Quire ×1 (PostgreSQL + Redis)',
      'Hocuspocus + Redis ×1 (PostgreSQL)',
      'Quire ×3 (PostgreSQL + Redis)',
      'Hocuspocus + Redis ×3 (PostgreSQL)',
      'Quire 3 ÷ 1 node',
      'Hocuspocus + Redis 3 ÷ 1 node',
    ]);
  });

  it('gives Quire ÷ Hocuspocus + Redis beside each Hocuspocus figure and the scaling of each', () => {
    expect(row('delivered updates/s')).toEqual(['S2 throughput', 'delivered updates/s', '10,000', '8,000 (1.25×)', '15,000', '4,000 (3.75×)', '1.50×', '0.500×']);
  });

  it('gives no ratio for yes/no and share figures', () => {
    expect(row('all replicas converge (1 = yes)').slice(2)).toEqual(['1.00', '1.00', '0.000', '1.00', '—', '—']);
    expect(row('document complete after restart (%)').slice(2)).toEqual(['100', '—', '100', '—', '—', '—']);
  });
});

describe('cluster targets', () => {
  it('start Quire with the run’s database, Redis and a node name per node', () => {
    const quire = CLUSTER_TARGETS.find((target) => target.id === 'quire-cluster-2')!;
    const { args } = quire.command(4321, '/data', { index: 1, databaseUrl: 'postgres://db', redisUrl: 'redis://bus' });
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect([flag('--port'), flag('--database-url'), flag('--redis-url'), flag('--node-id')]).toEqual(['4321', 'postgres://db', 'redis://bus', 'bench-node-2']);
  });

  it('start Hocuspocus with the same services through its environment', () => {
    const hocuspocus = CLUSTER_TARGETS.find((target) => target.id === 'hocuspocus-redis-3')!;
    const { env } = hocuspocus.command(4321, '/data', { index: 2, databaseUrl: 'postgres://db', redisUrl: 'redis://bus' });
    expect(env).toMatchObject({ PORT: '4321', HOCUSPOCUS_POSTGRES: 'postgres://db', HOCUSPOCUS_REDIS: 'redis://bus', HOCUSPOCUS_NODE_ID: 'bench-node-3' });
  });

  it('come in pairs of the same size, 1 to 3 nodes', () => {
    expect(CLUSTER_TARGETS.map((target) => `${target.id}:${target.nodes}`)).toEqual([
      'quire-cluster-1:1',
      'hocuspocus-redis-1:1',
      'quire-cluster-2:2',
      'hocuspocus-redis-2:2',
      'quire-cluster-3:3',
      'hocuspocus-redis-3:3',
    ]);
  });
});
