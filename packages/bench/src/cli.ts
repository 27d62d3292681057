#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { evaluateTargets, renderVerdicts } from './evaluate-targets.ts';
import { installPeers } from './install-peers.ts';
import { renderTable } from './render-table.ts';
import { runBenchmark } from './run-benchmark.ts';
import type { ScenarioId } from './scenario.ts';
import { FULL_SCALE, QUICK_SCALE } from './scales.ts';
import { TARGETS, type TargetId } from './targets.ts';

const USAGE = `Usage: pnpm bench [--full] [--scenarios S1,S2,…] [--targets quire,relay,…] [--repetitions N] [--json FILE]

  --full          full sizes, 3 repetitions, medians (default: quick, 1 repetition)
  --scenarios     subset of S1–S6
  --targets       subset of ${TARGETS.map((target) => target.id).join(', ')}
  --json FILE     also write the raw figures of every run
`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    full: { type: 'boolean', default: false },
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
const targets = list(values.targets) as TargetId[] | undefined;
const scenarios = list(values.scenarios)?.map((item) => item.toUpperCase()) as ScenarioId[] | undefined;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const selected = TARGETS.filter((target) => targets?.includes(target.id) ?? true);
if (selected.some((target) => target.needsPeers)) installPeers(log);

const started = Date.now();
const result = await runBenchmark({
  scale: values.full ? FULL_SCALE : QUICK_SCALE,
  repetitions: values.repetitions !== undefined ? Number(values.repetitions) : values.full ? 3 : 1,
  log,
  ...(targets === undefined ? {} : { targets }),
  ...(scenarios === undefined ? {} : { scenarios }),
});
const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  [
    `Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}.`,
    `Mode: ${values.full ? 'full (medians of the repetitions)' : 'quick'}; took ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
    renderTable(result),
    '',
    renderVerdicts(evaluateTargets(result)),
    '',
  ].join('\n'),
);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(result.results, null, 2));
process.exit(result.results.some((entry) => entry.errors.length > 0) ? 1 : 0);
