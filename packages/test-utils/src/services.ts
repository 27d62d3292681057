import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

// A probe answers fast or the service counts as absent: a test run never waits on a missing service.
const PROBE_TIMEOUT_MS = 2_000;

/** The PostgreSQL server tests use: `DATABASE_URL`, or the local default. */
export function postgresUrl(): string {
  return process.env['DATABASE_URL'] || DEFAULT_POSTGRES_URL;
}

/** The Redis server tests use: `REDIS_URL`, or the local default. */
export function redisUrl(): string {
  return process.env['REDIS_URL'] || DEFAULT_REDIS_URL;
}

/** Whether a missing service fails the run (CI) instead of skipping the tests that need it. */
export function servicesRequired(): boolean {
  return process.env['QUIRE_REQUIRE_SERVICES'] === '1';
}

export type ServiceStatus = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface ServiceAvailability {
  /** The server at postgresUrl() answers a query. */
  readonly postgres: ServiceStatus;
  /** The server at redisUrl() answers PING. */
  readonly redis: ServiceStatus;
  /** A `redis-server` binary is on the PATH (what startRedisServer runs). */
  readonly redisServer: ServiceStatus;
}

const OK: ServiceStatus = { ok: true };

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

async function probePostgres(url: string): Promise<ServiceStatus> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
  // An error after connect (the server going away) must not become an uncaught exception.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return OK;
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at ${url} is not reachable: ${reasonOf(error)}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<ServiceStatus> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return OK;
  } catch (error) {
    return { ok: false, reason: `Redis at ${url} is not reachable: ${reasonOf(error)}` };
  } finally {
    client.disconnect();
  }
}

function probeRedisServerBinary(): ServiceStatus {
  const result = spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  if (result.error !== undefined) return { ok: false, reason: `redis-server cannot be run: ${result.error.message}` };
  return result.status === 0 ? OK : { ok: false, reason: `redis-server --version exited with ${result.status}` };
}

let availability: Promise<ServiceAvailability> | undefined;

/** Probes PostgreSQL, Redis and the redis-server binary, once per process. */
export function serviceAvailability(): Promise<ServiceAvailability> {
  availability ??= (async () => {
    const [postgres, redis] = await Promise.all([probePostgres(postgresUrl()), probeRedis(redisUrl())]);
    return { postgres, redis, redisServer: probeRedisServerBinary() };
  })();
  return availability;
}

const reported = new Set<string>();

/**
 * A service a test file needs: its status, for `describe.skipIf(!status.ok)`.
 * When it is absent the reason is printed once per process, or, with
 * QUIRE_REQUIRE_SERVICES=1, this throws, so CI fails instead of skipping.
 */
export async function needService(name: keyof ServiceAvailability): Promise<ServiceStatus> {
  const status = (await serviceAvailability())[name];
  if (status.ok) return status;
  if (servicesRequired()) throw new Error(`QUIRE_REQUIRE_SERVICES=1 but ${status.reason}`);
  if (!reported.has(name)) {
    reported.add(name);
    process.stderr.write(`skipping tests that need ${name}: ${status.reason}\n`);
  }
  return status;
}

export const needPostgres = (): Promise<ServiceStatus> => needService('postgres');
export const needRedis = (): Promise<ServiceStatus> => needService('redis');
export const needRedisServer = (): Promise<ServiceStatus> => needService('redisServer');
