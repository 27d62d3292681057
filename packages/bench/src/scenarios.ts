import type { Scenario } from './scenario.ts';
import { s1FanOut } from './s1-fan-out.ts';
import { s2Throughput, s7ThroughputByDocument } from './s2-throughput.ts';
import { s3IdleConnections } from './s3-idle-connections.ts';
import { s4ColdLoad } from './s4-cold-load.ts';
import { s5OfflineResume } from './s5-offline-resume.ts';
import { s6JoinStorm } from './s6-join-storm.ts';

export const SCENARIOS: readonly Scenario[] = [
  s1FanOut,
  s2Throughput,
  s3IdleConnections,
  s4ColdLoad,
  s5OfflineResume,
  s6JoinStorm,
  s7ThroughputByDocument,
];
