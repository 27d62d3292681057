import { readdirSync, readFileSync } from 'node:fs';
import { sampleProcess, totalCpuMs } from './process-sampler.ts';
import type { ScenarioHarness } from './scenario.ts';

/** CPU time spent during a phase, in milliseconds. */
export interface CpuSpent {
  /** Every node of the target together. */
  readonly servers: number;
  /** A cluster's redis-server (0 for other targets). */
  readonly redis: number;
  /** A cluster's PostgreSQL backends serving its database (0 for other targets). */
  readonly postgres: number;
}

/**
 * PostgreSQL backends connected to `database`, by the process title
 * PostgreSQL gives them ("postgres: [cluster: ]user database host …"): the
 * server is shared, its processes are not ours to know otherwise.
 */
function backendPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.startsWith('postgres:') && title.includes(` ${database} `)) pids.push(Number(entry));
  }
  return pids;
}

function cpuByPid(pids: readonly number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      cpu.set(pid, sampleProcess(pid).cpuMs);
    } catch {
      // Ended between the listing and the sample.
    }
  }
  return cpu;
}

/**
 * Starts measuring the CPU a phase costs; the returned function ends it. The
 * PostgreSQL figure misses backends that end during the phase (the nodes'
 * pools keep theirs) and the server's shared writers (WAL, checkpoints).
 */
export function startCpuMeter(harness: ScenarioHarness): () => CpuSpent {
  const pids = harness.servers.map((server) => server.pid);
  const { redisPid, databaseName } = harness;
  const servers = totalCpuMs(pids);
  const redis = redisPid === undefined ? 0 : sampleProcess(redisPid).cpuMs;
  const backends = databaseName === undefined ? new Map<number, number>() : cpuByPid(backendPids(databaseName));
  return () => {
    let postgres = 0;
    if (databaseName !== undefined) {
      for (const [pid, cpuMs] of cpuByPid(backendPids(databaseName))) postgres += cpuMs - (backends.get(pid) ?? 0);
    }
    return {
      servers: totalCpuMs(pids) - servers,
      redis: redisPid === undefined ? 0 : sampleProcess(redisPid).cpuMs - redis,
      postgres,
    };
  };
}

/** A cluster's CPU figures per delivered update, in microseconds. */
export function cpuPerDelivered(spent: CpuSpent, delivered: number): Record<string, number> {
  return {
    'server CPU per delivered update (µs)': (spent.servers * 1000) / delivered,
    'Redis CPU per delivered update (µs)': (spent.redis * 1000) / delivered,
    'PostgreSQL CPU per delivered update (µs)': (spent.postgres * 1000) / delivered,
  };
}
