import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, killServerProcesses, startListeningProcess, type ChildServer } from '@quire/test-utils';
import type { Figures, ScenarioHarness, ScenarioId, ScenarioScale } from './scenario.ts';
import { SCENARIOS } from './scenarios.ts';
import { median } from './statistics.ts';
import { ALL_TARGETS } from './cluster-targets.ts';
import { startClusterServices, type ClusterServices } from './cluster-services.ts';
import { TARGETS, type ClusterNode, type Target, type TargetId } from './targets.ts';

export interface BenchmarkOptions {
  readonly scale: ScenarioScale;
  readonly scenarios?: readonly ScenarioId[];
  /** Default: the single-process targets (TARGETS); cluster targets only when named. */
  readonly targets?: readonly TargetId[];
  readonly repetitions?: number;
  /**
   * Runs each scenario once, unmeasured, before its measured runs (default
   * on). The load generator is one process for the whole benchmark: without
   * it, the first target measured in a scenario meets the generator's own
   * code unoptimised (a quick S5 read 29–45 ms for the first target and 6–11
   * ms for the last, whichever server it was).
   */
  readonly warmUp?: boolean;
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** Figures of one scenario for one target: each metric's value per repetition. */
export interface ScenarioResult {
  readonly scenario: ScenarioId;
  readonly target: TargetId;
  readonly runs: Figures[];
  readonly errors: string[];
}

export interface BenchmarkResult {
  readonly targets: readonly Target[];
  readonly results: readonly ScenarioResult[];
}

// Node flags for the servers only, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=profiles'.
const SERVER_NODE_ARGS = process.env['BENCH_SERVER_NODE_ARGS']?.split(' ').filter((arg) => arg !== '') ?? [];
/** A server that does not stop within this after SIGTERM is killed. */
const STOP_GRACE_MS = 10_000;

/** Starts `target` on `port` and resolves once it accepts connections. */
async function startTarget(target: Target, port: number, dataDir: string, node?: ClusterNode): Promise<ChildServer> {
  const command = target.command(port, dataDir, node);
  return startListeningProcess({ ...command, args: [...SERVER_NODE_ARGS, ...command.args] }, port);
}

/** `count` distinct ports that were free a moment ago. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

async function stopAll(servers: readonly ChildServer[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop('SIGTERM', STOP_GRACE_MS)));
}

/**
 * Starts every node of `target` (one for a single-process target), one after
 * another: a cluster's first node prepares the shared database for the rest.
 */
async function startNodes(target: Target, ports: readonly number[], dataDir: string, services: ClusterServices | undefined): Promise<ChildServer[]> {
  const servers: ChildServer[] = [];
  try {
    for (const [index, port] of ports.entries()) {
      const node = services === undefined ? undefined : { index, databaseUrl: services.databaseUrl, redisUrl: services.redisUrl };
      servers.push(await startTarget(target, port, dataDir, node));
    }
  } catch (error) {
    await stopAll(servers);
    throw error;
  }
  return servers;
}

// The cluster services and data directories of the run in progress, for abortBenchmark.
const activeServices = new Set<ClusterServices>();
const activeDataDirs = new Set<string>();

/**
 * Kills the servers still running, stops the cluster services (dropping
 * their databases) and removes the data directories: for an interrupted
 * run, which never reaches its cleanup.
 */
export async function abortBenchmark(): Promise<void> {
  await killServerProcesses();
  await Promise.allSettled([
    ...[...activeServices].map((services) => services.stop()),
    ...[...activeDataDirs].map((dataDir) => rm(dataDir, { recursive: true, force: true })),
  ]);
}

async function runOnce(target: Target, scenarioId: ScenarioId, scale: ScenarioScale): Promise<Figures> {
  const scenario = SCENARIOS.find((candidate) => candidate.id === scenarioId)!;
  const dataDir = await mkdtemp(join(tmpdir(), `quire-bench-${target.id}-`));
  activeDataDirs.add(dataDir);
  let services: ClusterServices | undefined;
  let servers: ChildServer[] = [];
  try {
    // A cluster run gets a database and a redis-server of its own, never shared with another run.
    if (target.nodes !== undefined) {
      services = await startClusterServices();
      activeServices.add(services);
    }
    const ports = await freePorts(target.nodes ?? 1);
    servers = await startNodes(target, ports, dataDir, services);
    const harness: ScenarioHarness = {
      target,
      dataDir,
      get server() {
        return servers[0]!;
      },
      get servers() {
        return servers;
      },
      baseUrl: `ws://127.0.0.1:${ports[0]}`,
      baseUrls: ports.map((port) => `ws://127.0.0.1:${port}`),
      ...(services === undefined ? {} : { redisPid: services.redisPid, databaseName: services.databaseName }),
      createWire: () => target.createWire(),
      async restart() {
        await stopAll(servers);
        servers = [];
        servers = await startNodes(target, ports, dataDir, services);
      },
    };
    return await scenario.run(harness, scale);
  } finally {
    await stopAll(servers);
    if (services !== undefined) {
      activeServices.delete(services);
      await services.stop();
    }
    await rm(dataDir, { recursive: true, force: true });
    activeDataDirs.delete(dataDir);
  }
}

/**
 * Runs every scenario against every target, each on fresh server processes
 * with a fresh data directory (a cluster: a fresh database and Redis);
 * targets take turns within a scenario so they meet the same machine
 * conditions.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const log = options.log ?? (() => undefined);
  const targets = options.targets === undefined ? TARGETS : ALL_TARGETS.filter((target) => options.targets!.includes(target.id));
  const scenarioIds = SCENARIOS.map((scenario) => scenario.id).filter((id) => options.scenarios?.includes(id) ?? true);
  const repetitions = options.repetitions ?? 1;
  const results: ScenarioResult[] = [];
  try {
    for (const scenarioId of scenarioIds) {
      const scenario = SCENARIOS.find((candidate) => candidate.id === scenarioId)!;
      const byTarget = new Map<TargetId, ScenarioResult>();
      const first = targets.find((target) => scenario.appliesTo(target));
      if ((options.warmUp ?? true) && first !== undefined) {
        const started = performance.now();
        try {
          await runOnce(first, scenarioId, options.scale);
          log(`${scenarioId} ${scenario.title} · ${first.label} · load-generator warm-up (not counted): ${Math.round(performance.now() - started)} ms`);
        } catch (error) {
          // A failing target fails its measured runs too, where it is reported.
          log(`${scenarioId} ${scenario.title} · ${first.label} · load-generator warm-up failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      for (let repetition = 0; repetition < repetitions; repetition += 1) {
        for (const target of targets) {
          if (!scenario.appliesTo(target)) continue;
          let result = byTarget.get(target.id);
          if (result === undefined) {
            result = { scenario: scenarioId, target: target.id, runs: [], errors: [] };
            byTarget.set(target.id, result);
          }
          const started = performance.now();
          try {
            result.runs.push(await runOnce(target, scenarioId, options.scale));
            log(`${scenarioId} ${scenario.title} · ${target.label} · run ${repetition + 1}: ${Math.round(performance.now() - started)} ms`);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            result.errors.push(message);
            log(`${scenarioId} ${scenario.title} · ${target.label} · run ${repetition + 1} FAILED: ${message}`);
          }
        }
      }
      results.push(...byTarget.values());
    }
  } finally {
    await killServerProcesses();
  }
  return { targets, results };
}

/** The median of each metric over the repetitions. */
export function medianFigures(result: ScenarioResult): Figures {
  const figures: Figures = {};
  const metrics = new Set(result.runs.flatMap((run) => Object.keys(run)));
  for (const metric of metrics) figures[metric] = median(result.runs.map((run) => run[metric] ?? Number.NaN));
  return figures;
}
