import { formatNumber } from './format-number.ts';
import { medianFigures, type BenchmarkResult } from './run-benchmark.ts';
import type { Figures, ScenarioId } from './scenario.ts';
import { TARGETS, type TargetId } from './targets.ts';

export interface TargetVerdict {
  readonly scenario: ScenarioId;
  readonly goal: string;
  readonly detail: string;
  /** Undefined when a figure it needs was not measured. */
  readonly met: boolean | undefined;
}

const PEERS: readonly TargetId[] = ['y-websocket', 'y-websocket-leveldb', 'hocuspocus', 'hocuspocus-sqlite'];
const PERSISTENT_PEERS: readonly TargetId[] = ['y-websocket-leveldb', 'hocuspocus-sqlite'];

/** Checks Quire's performance goals (docs/performance.md) against the figures of one run. */
export function evaluateTargets(result: BenchmarkResult): TargetVerdict[] {
  const figures = new Map<string, Figures>();
  for (const entry of result.results) figures.set(`${entry.scenario}:${entry.target}`, medianFigures(entry));
  const value = (scenario: ScenarioId, target: TargetId, metric: string): number =>
    figures.get(`${scenario}:${target}`)?.[metric] ?? Number.NaN;
  const label = (target: TargetId): string => TARGETS.find((candidate) => candidate.id === target)?.label ?? target;
  const best = (scenario: ScenarioId, among: readonly TargetId[], metric: string) => {
    let winner: { target: TargetId; value: number } | undefined;
    for (const target of among) {
      const candidate = value(scenario, target, metric);
      if (Number.isFinite(candidate) && (winner === undefined || candidate < winner.value)) winner = { target, value: candidate };
    }
    return winner;
  };
  const verdicts: TargetVerdict[] = [];
  const ratioGoal = (scenario: ScenarioId, goal: string, metric: string, among: readonly TargetId[], limit: number): void => {
    const quire = value(scenario, 'quire', metric);
    const reference = best(scenario, among, metric);
    if (reference === undefined || !Number.isFinite(quire)) {
      verdicts.push({ scenario, goal, detail: 'not measured', met: undefined });
      return;
    }
    const ratio = quire / reference.value;
    verdicts.push({
      scenario,
      goal,
      detail: `Quire ${formatNumber(quire)} vs ${label(reference.target)} ${formatNumber(reference.value)}: ${formatNumber(ratio)}× (goal ≤ ${limit}×)`,
      met: ratio <= limit,
    });
  };
  const absoluteGoal = (scenario: ScenarioId, goal: string, metric: string, ok: (quire: number) => boolean): void => {
    const quire = value(scenario, 'quire', metric);
    verdicts.push({
      scenario,
      goal,
      detail: `Quire ${formatNumber(quire)}`,
      met: Number.isFinite(quire) ? ok(quire) : undefined,
    });
  };

  const cpu2 = 'server CPU per delivered update (µs)';
  ratioGoal('S2', 'CPU per delivered update ≤ 0.5 × best persistent peer', cpu2, PERSISTENT_PEERS, 0.5);
  ratioGoal('S2', 'CPU per delivered update ≤ 1.5 × relay', cpu2, ['relay'], 1.5);
  absoluteGoal('S2', 'all replicas converge', 'all replicas converge (1 = yes)', (quire) => quire === 1);
  ratioGoal('S1', 'p50 latency ≤ 1.2 × relay', 'p50 latency (ms)', ['relay'], 1.2);
  ratioGoal('S1', 'p99 latency ≤ best peer', 'p99 latency (ms)', PEERS, 1);
  ratioGoal('S1', 'server CPU ≤ 0.7 × best persistent peer', 'server CPU (ms)', PERSISTENT_PEERS, 0.7);
  ratioGoal('S3', 'memory per idle connection ≤ 0.7 × best peer', 'RSS per connection (KiB)', PEERS, 0.7);
  // A peer that lost the document on restart loads fast because it loads nothing.
  const intact = PERSISTENT_PEERS.filter((peer) => value('S4', peer, 'document complete after restart (%)') === 100);
  ratioGoal('S4', 'cold load ≤ best peer that kept the whole document', 'cold load (ms)', intact, 1);
  absoluteGoal('S4', 'every acknowledged update on disk', 'document complete after restart (%)', (quire) => quire === 100);
  absoluteGoal('S4', 'acknowledgement delay p99 < 50 ms', 'ack delay p99 (ms)', (quire) => quire < 50);
  ratioGoal('S5', 'reconnect to converged ≤ 0.5 × best peer', 'reconnect to converged (ms)', PEERS, 0.5);
  absoluteGoal('S5', 'never receives its own updates back', 'own edits echoed back (bytes)', (quire) => quire === 0);
  absoluteGoal('S6', 'no joiner waits > 2 × one client alone', 'max wait / alone', (quire) => quire <= 2);
  return verdicts;
}

export function renderVerdicts(verdicts: readonly TargetVerdict[]): string {
  const lines = ['| Scenario | Goal | Result | Met |', '| --- | --- | --- | --- |'];
  for (const verdict of verdicts) {
    const met = verdict.met === undefined ? 'n/a' : verdict.met ? 'yes' : '**no**';
    lines.push(`| ${verdict.scenario} | ${verdict.goal} | ${verdict.detail} | ${met} |`);
  }
  return lines.join('\n');
}
