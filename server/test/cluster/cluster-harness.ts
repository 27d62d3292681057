import {
  createTempDir,
  createTestDatabase,
  needPostgres,
  needRedisServer,
  removeTempDirs,
  startRedisServer,
  startServerProcess,
  startTcpProxy,
  type LogLine,
  type RedisServerProcess,
  type ServerProcess,
  type TcpProxy,
  type TestDatabase,
} from '@quire/test-utils';
import { ServiceLink } from './service-link.ts';

/**
 * Several real `quire-server` processes (the built CLI) sharing one
 * PostgreSQL database of their own and one redis-server of their own, as
 * behind a load balancer. A test can put a TCP link it controls between a
 * node and Redis or PostgreSQL (to cut that node off), kill and restart nodes
 * by PID on the same port, and open client lines to the nodes.
 */

/**
 * Whether this machine has what a cluster needs: PostgreSQL, and a
 * redis-server to start one of the cluster's own. When not, the reason is
 * printed (the tests skip), or, with QUIRE_REQUIRE_SERVICES=1, this throws.
 */
export async function clusterServicesAvailable(): Promise<boolean> {
  const [postgres, redisServer] = await Promise.all([needPostgres(), needRedisServer()]);
  return postgres.ok && redisServer.ok;
}

export interface ClusterOptions {
  /** Nodes; default 3. */
  readonly size?: number;
  /** Extra flags for every node. */
  readonly args?: readonly string[];
  /** Extra flags for one node, after `args`. */
  readonly argsOf?: (index: number) => readonly string[];
  /** A cuttable link between each node and Redis. */
  readonly redisLinks?: boolean;
  /** A cuttable link between each node and PostgreSQL. */
  readonly postgresLinks?: boolean;
}

/** `url` with its host and port replaced: the service as reached through a link. */
function throughPort(url: string, port: number): string {
  const through = new URL(url);
  through.hostname = '127.0.0.1';
  through.port = String(port);
  return through.toString();
}

export class ClusterNode {
  /** Every process this node ran, in order; the last one is current. */
  readonly runs: ServerProcess[] = [];
  /** Exits nobody asked for (a crash), e.g. `node-1 pid 123 exited with 1`. */
  readonly crashes: string[] = [];
  private port = 0;
  private stopping = false;
  private dataDir: string | undefined;

  constructor(
    readonly index: number,
    private readonly args: readonly string[],
    readonly redisLink: ServiceLink | undefined,
    readonly postgresLink: ServiceLink | undefined,
  ) {}

  get id(): string {
    return `node-${this.index}`;
  }

  /** The node's port: fixed after the first start, so URLs stay valid across restarts. */
  get listeningPort(): number {
    return this.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get current(): ServerProcess | undefined {
    return this.runs.at(-1);
  }

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.current?.pid : undefined;
  }

  /** Every log line of every run, oldest first. */
  get logs(): LogLine[] {
    return this.runs.flatMap((run) => run.logs);
  }

  /** Starts the node (again), on the port it had before. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.id} is already running`);
    this.dataDir ??= await createTempDir(`quire-${this.id}-`);
    const run = await startServerProcess({
      dataDir: this.dataDir,
      port: this.port,
      args: ['--node-id', this.id, ...this.args],
    });
    this.port = run.port;
    this.stopping = false;
    run.child.once('exit', (code, signal) => {
      if (!this.stopping) this.crashes.push(`${this.id} pid ${run.pid} exited with ${code ?? signal}`);
    });
    this.runs.push(run);
  }

  /** Stops the node by its PID; SIGTERM gets `graceMs` to finish before a SIGKILL. Resolves with the exit code. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL', graceMs = 10_000): Promise<number | null> {
    const run = this.current;
    if (run === undefined || !this.running) return null;
    this.stopping = true;
    return run.stop(signal, signal === 'SIGKILL' ? undefined : graceMs);
  }

  /** GET /readyz: the HTTP status, or 0 when the node does not answer within 3 s (a balancer's probe gives up too). */
  async readiness(): Promise<number> {
    try {
      const response = await fetch(`${this.httpUrl}/readyz`, { signal: AbortSignal.timeout(3_000) });
      await response.body?.cancel();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** The sum of a counter or gauge of /metrics over its labels (this run of the node only). */
  async metric(name: string): Promise<number> {
    const response = await fetch(`${this.httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const match = /^([a-z_:]+)(?:\{[^}]*\})? (\S+)$/.exec(line);
      if (match?.[1] === name) sum += Number(match[2]);
    }
    return sum;
  }

  /** Polls /readyz until it answers `status` or `timeoutMs` passed; returns the last answer. */
  async waitForReadiness(status: number, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    let last = await this.readiness();
    while (last !== status && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await this.readiness();
    }
    return last;
  }
}

async function closeLinks(nodes: readonly ClusterNode[]): Promise<void> {
  const links = nodes.flatMap((node) => [node.redisLink, node.postgresLink]).filter((link) => link !== undefined);
  await Promise.all(links.map((link) => link.close()));
}

/** A client's TCP line to the cluster: to one node, or balanced (moved to a live node when its node is stopped). */
export interface Line {
  readonly proxy: TcpProxy;
  readonly url: string;
  readonly balanced: boolean;
  /** The node new connections go to. */
  node: number;
}

const clusters = new Set<Cluster>();

export class Cluster {
  private readonly lines: Line[] = [];

  private constructor(
    readonly nodes: readonly ClusterNode[],
    readonly database: TestDatabase,
    readonly redis: RedisServerProcess,
  ) {}

  /** Starts a database, a redis-server and the nodes, all of this cluster's own. */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const size = options.size ?? 3;
    const database = await createTestDatabase();
    let redis: RedisServerProcess | undefined;
    const nodes: ClusterNode[] = [];
    try {
      redis = await startRedisServer();
      const databasePort = Number(new URL(database.url).port || 5432);
      for (let index = 0; index < size; index++) {
        const redisLink = options.redisLinks ? await ServiceLink.open(redis.port) : undefined;
        const postgresLink = options.postgresLinks ? await ServiceLink.open(databasePort) : undefined;
        const args = [
          '--database-url',
          postgresLink === undefined ? database.url : throughPort(database.url, postgresLink.port),
          '--redis-url',
          redisLink === undefined ? redis.url : throughPort(redis.url, redisLink.port),
          ...(options.args ?? []),
          ...(options.argsOf?.(index) ?? []),
        ];
        nodes.push(new ClusterNode(index, args, redisLink, postgresLink));
      }
      const cluster = new Cluster(nodes, database, redis);
      clusters.add(cluster);
      // All at once, as a deployment starts them: they race to create the schema.
      await Promise.all(nodes.map((node) => node.start()));
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      await closeLinks(nodes);
      await redis?.stop();
      await database.drop();
      throw error;
    }
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }

  get running(): ClusterNode[] {
    return this.nodes.filter((node) => node.running);
  }

  /** Each distinct message every node logged at level error or above, with the node and how often: none where nothing failed. */
  get errorLogs(): string[] {
    const counts = new Map<string, number>();
    for (const node of this.nodes) {
      for (const line of node.logs) {
        if (line.level < 50) continue;
        const key = `${node.id}: ${line.msg}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return [...counts].map(([text, count]) => (count === 1 ? text : `${text} (${count}×)`));
  }

  /** Crashes of every node so far. */
  get crashes(): string[] {
    return this.nodes.flatMap((node) => node.crashes);
  }

  /**
   * A new TCP line for one client. A balanced line behaves like a load
   * balancer that takes a stopped node out: `stopNode` moves it to the next
   * running node (its open connections die with the node).
   */
  async openLine(node: number, balanced: boolean): Promise<Line> {
    const proxy = await startTcpProxy({ targetPort: this.node(node).listeningPort });
    const line: Line = { proxy, url: proxy.url, balanced, node };
    this.lines.push(line);
    return line;
  }

  /** Stops a node by its PID, and moves the balanced lines off it. */
  async stopNode(index: number, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<number | null> {
    const code = await this.node(index).stop(signal);
    const next = this.nodes.find((node) => node.running && node.index > index) ?? this.nodes.find((node) => node.running);
    if (next !== undefined) {
      for (const line of this.lines) {
        if (!line.balanced || line.node !== index) continue;
        this.moveLine(line, next.index);
      }
    }
    return code;
  }

  /** Sends a balanced line's new connections to `node` (a balancer spreading load again after a node came back). */
  moveLine(line: Line, node: number): void {
    line.node = node;
    line.proxy.setTarget(this.node(node).listeningPort);
  }

  async startNode(index: number): Promise<void> {
    await this.node(index).start();
  }

  /** Stops a node and starts it again on the same port; its balanced lines stay where they were moved. */
  async restartNode(index: number, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    await this.stopNode(index, signal);
    await this.startNode(index);
  }

  /** Stops every process, closes every link and line, drops the database. */
  async stop(): Promise<void> {
    clusters.delete(this);
    await Promise.all(this.nodes.map((node) => node.stop()));
    await Promise.all(this.lines.splice(0).map((line) => line.proxy.close()));
    await closeLinks(this.nodes);
    await this.redis.stop();
    await this.database.drop();
  }
}

/** For afterEach: stops every cluster a test started, even when it failed half way. */
export async function stopClusters(): Promise<void> {
  const running = [...clusters];
  const results = await Promise.allSettled(running.map((cluster) => cluster.stop()));
  await removeTempDirs();
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
