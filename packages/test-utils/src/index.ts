export {
  startServerProcess,
  startListeningProcess,
  killServerProcesses,
  findFreePort,
  SERVER_CLI,
} from './server-process.ts';
export type { ServerProcess, ServerProcessOptions, ChildServer, NodeCommand, LogLine } from './server-process.ts';
export { createTempDir, removeTempDirs } from './temp-dir.ts';
export { createSeededRandom } from './seeded-random.ts';
export { startTcpProxy } from './tcp-proxy.ts';
export type { TcpProxy } from './tcp-proxy.ts';
