#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { serviceAvailability } from '@quire/test-utils';
import { ALL_TARGETS, CLUSTER_TARGETS } from './cluster-targets.ts';
import { evaluateClusterTargets } from './evaluate-cluster-targets.ts';
import { evaluateTargets, renderVerdicts } from './evaluate-targets.ts';
import { installPeers } from './install-peers.ts';
import { renderClusterTable } from './render-cluster-table.ts';
import { renderTable } from './render-table.ts';
import { abortBenchmark, runBenchmark, type BenchmarkResult } from './run-benchmark.ts';
import type { ScenarioId } from './scenario.ts';
import { FULL_SCALE, QUICK_SCALE } from './scales.ts';
import { TARGETS, type Target, type TargetId } from './targets.ts';

const USAGE = `Usage: pnpm bench [--full] [--cluster] [--scenarios S1,S2,…] [--targets quire,relay,…] [--repetitions N] [--json FILE]

  --full          full sizes, 3 repetitions, medians (default: quick, 1 repetition)
  --cluster       Quire and Hocuspocus + Redis on 1, 2 and 3 nodes sharing PostgreSQL
                  (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, where
                  each run creates and drops a database of its own) and a redis-server each
                  run starts on a free port; scenarios S1, S2, S4, S7 unless --scenarios
  --scenarios     subset of S1–S6, and S7 (S2 with a node per document) on cluster targets
  --targets       subset of ${TARGETS.map((target) => target.id).join(', ')}
                  or of the cluster targets ${CLUSTER_TARGETS.map((target) => target.id).join(', ')}
  --json FILE     also write the raw figures of every run
`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    full: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    targets: { type: 'string' },
    repetitions: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const list = (text: string | undefined): string[] | undefined => text?.split(',').map((item) => item.trim());
const targets = (list(values.targets) ?? (values.cluster ? CLUSTER_TARGETS.map((target) => target.id) : undefined)) as TargetId[] | undefined;
// The scenarios that measure what more nodes change; the rest need one server.
const CLUSTER_SCENARIOS: ScenarioId[] = ['S1', 'S2', 'S4', 'S7'];
const scenarios = (list(values.scenarios)?.map((item) => item.toUpperCase()) ?? (values.cluster ? CLUSTER_SCENARIOS : undefined)) as ScenarioId[] | undefined;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const unknown = targets?.filter((id) => !ALL_TARGETS.some((target) => target.id === id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown target ${unknown.join(', ')}\n\n${USAGE}`);
  process.exit(2);
}
const selected = targets === undefined ? TARGETS : ALL_TARGETS.filter((target) => targets.includes(target.id));
if (selected.some((target) => target.nodes !== undefined)) {
  const services = await serviceAvailability();
  for (const status of [services.postgres, services.redisServer]) {
    if (!status.ok) {
      process.stderr.write(`the cluster targets need PostgreSQL and redis-server: ${status.reason}\n`);
      process.exit(1);
    }
  }
}
if (selected.some((target) => target.needsPeers)) installPeers(log);

// Interrupted: servers, redis-servers and databases go with the run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers…`);
    void abortBenchmark().finally(() => process.exit(130));
  });
}

const started = Date.now();
const result = await runBenchmark({
  scale: values.full ? FULL_SCALE : QUICK_SCALE,
  repetitions: values.repetitions !== undefined ? Number(values.repetitions) : values.full ? 3 : 1,
  log,
  ...(targets === undefined ? {} : { targets }),
  ...(scenarios === undefined ? {} : { scenarios }),
});
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const only = (keep: (target: Target) => boolean): BenchmarkResult => ({
  targets: result.targets.filter(keep),
  results: result.results.filter((entry) => keep(ALL_TARGETS.find((target) => target.id === entry.target)!)),
});
const single = only((target) => target.nodes === undefined);
const cluster = only((target) => target.nodes !== undefined);
process.stdout.write(
  [
    `Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}.`,
    `Mode: ${values.full ? 'full (medians of the repetitions)' : 'quick'}; took ${Math.round((Date.now() - started) / 1000)} s.`,
    ...(single.targets.length === 0 ? [] : ['', renderTable(single), '', renderVerdicts(evaluateTargets(single))]),
    ...(cluster.targets.length === 0
      ? []
      : [
          '',
          `Every node, its redis-server, PostgreSQL and the load generator share this machine's ${cpus().length} cores: more nodes add processes, not cores.`,
          '',
          renderClusterTable(cluster),
          '',
          renderVerdicts(evaluateClusterTargets(cluster)),
        ]),
    '',
  ].join('\n'),
);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(result.results, null, 2));
process.exit(result.results.some((entry) => entry.errors.length > 0) ? 1 : 0);
