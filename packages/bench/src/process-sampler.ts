import { readFileSync } from 'node:fs';

/** Resource use of one process, read from /proc (Linux only). */
export interface ProcessSample {
  /** User plus system CPU time, in milliseconds. */
  readonly cpuMs: number;
  /** Resident set size now, in bytes. */
  readonly rssBytes: number;
  /** Peak resident set size since the process started, in bytes. */
  readonly peakRssBytes: number;
}

// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream
// kernel configuration, and /proc offers no portable way to read it.
const CLOCK_TICKS_PER_SECOND = 100;

function readStatusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** Reads the CPU time and memory of `pid`; throws when the process is gone. */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMs: ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND,
    rssBytes: readStatusKiB(status, 'VmRSS') * 1024,
    peakRssBytes: readStatusKiB(status, 'VmHWM') * 1024,
  };
}

/** The CPU time of several processes (a cluster's nodes) together, in milliseconds. */
export function totalCpuMs(pids: readonly number[]): number {
  let cpuMs = 0;
  for (const pid of pids) cpuMs += sampleProcess(pid).cpuMs;
  return cpuMs;
}

/**
 * Polls processes while a phase runs, keeping the highest RSS seen (of all
 * of them together, for a cluster's nodes): VmHWM covers the whole life of
 * a process, a phase needs its own peak.
 */
export class PeakRssMonitor {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: readonly number[],
    intervalMs = 25,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  private poll(): void {
    try {
      let rss = 0;
      for (const pid of this.pids) rss += sampleProcess(pid).rssBytes;
      this.peak = Math.max(this.peak, rss);
    } catch {
      // A process exited; the peak so far stands.
    }
  }

  /** Stops polling and returns the peak RSS in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.poll();
    return this.peak;
  }
}
