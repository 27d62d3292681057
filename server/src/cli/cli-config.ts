import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import type { JwtPublicKeyAlgorithm } from '../auth/jwt-verifier.ts';
import { parseOriginList } from '../auth/jwt-settings.ts';
import { SYNC_SERVER_DEFAULTS, type SyncServerOptions } from '../server-options.ts';
import { CliConfigError } from './cli-config-error.ts';
import { readConfigFile } from './config-file.ts';
import { connectionUrl, REDACTED, redactUrl } from './connection-url.ts';
import { nodeIdSetting } from './node-id.ts';

export { CliConfigError };

/** What a --config file may hold for a setting besides the text a flag takes (a number, a list, a boolean). */
type FileKind = 'string' | 'number' | 'list' | 'boolean';

type Parser<T> = ((text: string, flag: string) => T) & { readonly kind?: FileKind };

const withKind = <T>(kind: FileKind, parser: (text: string, flag: string) => T): Parser<T> => Object.assign(parser, { kind });

/**
 * One setting: its flag, environment variable, default and help text. A
 * `server` setting is a SyncServerOptions field and lands in `config.server`
 * (passed to createSyncServer as is); a `cli` setting is the CLI's own.
 */
interface Setting<Scope extends 'server' | 'cli', Key extends string, Value> {
  readonly scope: Scope;
  readonly key: Key;
  readonly flag: string;
  readonly env: string;
  /** The default as an operator writes it: the usage text shows it, and `parse` reads it like any other value. */
  readonly fallback: string;
  readonly parse: Parser<Value>;
  readonly help: string;
}

type ServerOptionKey = Exclude<keyof SyncServerOptions, 'store' | 'logger' | 'metrics' | 'authorize'>;

/** A setting that is the SyncServerOptions field `key`, parsed to that field's type. */
const server = <Key extends ServerOptionKey>(
  setting: Omit<Setting<'server', Key, NonNullable<SyncServerOptions[Key]>>, 'scope'>,
): Setting<'server', Key, NonNullable<SyncServerOptions[Key]>> => ({ scope: 'server', ...setting });

/** A setting of the CLI's own (storage, logging, JWT keys, the web app); for text, '' means not set. */
const cli = <Key extends string, Value>(setting: Omit<Setting<'cli', Key, Value>, 'scope'>): Setting<'cli', Key, Value> => ({
  scope: 'cli',
  ...setting,
});

const text: Parser<string> = (value) => value;

const wholeNumber = (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  withKind('number', (value, flag) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > max) throw new CliConfigError(`invalid --${flag}: ${value}`);
    return number;
  });

const boolean: Parser<boolean> = withKind('boolean', (value, flag) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new CliConfigError(`invalid --${flag}: ${value} (use true or false)`);
});

const logLevel: Parser<LogLevel> = (value, flag) => {
  const level = LOG_LEVELS.find((candidate) => candidate === value);
  if (level === undefined) throw new CliConfigError(`invalid --${flag}: ${value} (use ${LOG_LEVELS.join(', ')})`);
  return level;
};

const JWT_ALGORITHMS: readonly JwtPublicKeyAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

const jwtAlgorithm: Parser<JwtPublicKeyAlgorithm> = (value, flag) => {
  const algorithm = JWT_ALGORITHMS.find((candidate) => candidate === value);
  if (algorithm === undefined) throw new CliConfigError(`invalid --${flag}: ${value} (use ${JWT_ALGORITHMS.join(', ')})`);
  return algorithm;
};

const positive = (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  withKind('number', (value, flag) => {
    const number = wholeNumber(max)(value, flag);
    if (number === 0) throw new CliConfigError(`invalid --${flag}: ${value} (must be at least 1)`);
    return number;
  });

const postgresUrl: Parser<string> = connectionUrl(['postgres:', 'postgresql:']);
const redisUrl: Parser<string> = connectionUrl(['redis:', 'rediss:']);
const nodeId: Parser<string> = nodeIdSetting;

const originList: Parser<readonly string[]> = withKind('list', (value) => parseOriginList(value));

const defaults = SYNC_SERVER_DEFAULTS;

// One row per setting: flag, environment variable, default, help text and
// the type of the value all come from here, so neither the usage text nor
// CliConfig can drift from what is parsed, and nothing is listed twice.
const SETTINGS = [
  cli({ key: 'config', flag: 'config', env: 'QUIRE_CONFIG', fallback: '', parse: text, help: 'JSON or TOML file of settings (.json/.toml), under the names --print-config shows' }),
  cli({ key: 'printConfig', flag: 'print-config', env: 'QUIRE_PRINT_CONFIG', fallback: 'false', parse: boolean, help: 'print the effective settings as JSON, secrets redacted, and exit' }),
  server({ key: 'host', flag: 'host', env: 'HOST', fallback: String(defaults.host), parse: text, help: 'interface to listen on (0.0.0.0 to expose)' }),
  server({ key: 'port', flag: 'port', env: 'PORT', fallback: String(defaults.port), parse: wholeNumber(65535), help: 'port to listen on' }),
  cli({ key: 'dataDir', flag: 'data-dir', env: 'QUIRE_DATA_DIR', fallback: './data', parse: text, help: 'LevelDB data directory (unused with --database-url)' }),
  cli({ key: 'databaseUrl', flag: 'database-url', env: 'DATABASE_URL', fallback: '', parse: postgresUrl, help: 'PostgreSQL connection string: documents in PostgreSQL instead of --data-dir, and the node runs in cluster mode' }),
  cli({ key: 'redisUrl', flag: 'redis-url', env: 'REDIS_URL', fallback: '', parse: redisUrl, help: 'Redis for cross-node delivery and awareness; needs --database-url' }),
  cli({ key: 'nodeId', flag: 'node-id', env: 'QUIRE_NODE_ID', fallback: 'auto', parse: nodeId, help: "this node's name in the cluster and its logs ('auto': host name, pid and a random suffix)" }),
  cli({ key: 'clusterPollIntervalMs', flag: 'cluster-poll-interval-ms', env: 'QUIRE_CLUSTER_POLL_INTERVAL_MS', fallback: '1000', parse: positive(), help: "how often open documents are read from PostgreSQL for other nodes' changes: the delay of cross-node delivery without Redis or while it is unreachable (twice this when another node is cut off from it)" }),
  cli({ key: 'streamRetentionMs', flag: 'stream-retention-ms', env: 'QUIRE_STREAM_RETENTION_MS', fallback: '300000', parse: positive(), help: 'how long announcements stay in the Redis stream for nodes catching up' }),
  cli({ key: 'nodeHeartbeatTtlMs', flag: 'node-heartbeat-ttl-ms', env: 'QUIRE_NODE_HEARTBEAT_TTL_MS', fallback: '10000', parse: positive(), help: "time after a node's last heartbeat before other nodes drop its clients' awareness" }),
  cli({ key: 'databasePoolSize', flag: 'database-pool-size', env: 'QUIRE_DATABASE_POOL_SIZE', fallback: '10', parse: positive(), help: 'PostgreSQL connections per node' }),
  cli({ key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', fallback: 'info', parse: logLevel, help: LOG_LEVELS.join('|') }),
  server({ key: 'pathPrefix', flag: 'path-prefix', env: 'QUIRE_PATH_PREFIX', fallback: String(defaults.pathPrefix), parse: text, help: 'URL prefix before document names' }),
  server({ key: 'maxMessageBytes', flag: 'max-message-bytes', env: 'QUIRE_MAX_MESSAGE_BYTES', fallback: String(defaults.maxMessageBytes), parse: wholeNumber(), help: 'largest WebSocket message (close 1009 above)' }),
  server({ key: 'maxBufferedBytes', flag: 'max-buffered-bytes', env: 'QUIRE_MAX_BUFFERED_BYTES', fallback: String(defaults.maxBufferedBytes), parse: wholeNumber(), help: 'unsent bytes per connection before close 1013' }),
  server({ key: 'maxQueuedMessages', flag: 'max-queued-messages', env: 'QUIRE_MAX_QUEUED_MESSAGES', fallback: String(defaults.maxQueuedMessages), parse: wholeNumber(), help: 'messages held until a connection is ready: authorized and its document loaded (close 1008 above)' }),
  server({ key: 'roomIdleMs', flag: 'room-idle-ms', env: 'QUIRE_ROOM_IDLE_MS', fallback: String(defaults.roomIdleMs), parse: wholeNumber(), help: 'idle time before an empty document is unloaded' }),
  server({ key: 'keepAliveIntervalMs', flag: 'keep-alive-ms', env: 'QUIRE_KEEP_ALIVE_MS', fallback: String(defaults.keepAliveIntervalMs), parse: wholeNumber(), help: 'liveness sweep period (0 = off)' }),
  server({ key: 'ownerProbeTimeoutMs', flag: 'owner-probe-timeout-ms', env: 'QUIRE_OWNER_PROBE_TIMEOUT_MS', fallback: String(defaults.ownerProbeTimeoutMs), parse: positive(), help: 'time the owner of a contested client ID has to answer a ping before its socket is dropped' }),
  cli({ key: 'jwtSecret', flag: 'jwt-secret', env: 'QUIRE_JWT_SECRET', fallback: '', parse: text, help: 'HS256 secret (32+ bytes) turns on JWT auth; prefer the env variable' }),
  cli({ key: 'jwtPublicKeyFile', flag: 'jwt-public-key-file', env: 'QUIRE_JWT_PUBLIC_KEY_FILE', fallback: '', parse: text, help: 'PEM public key file turns on JWT auth (see --jwt-algorithm)' }),
  cli({ key: 'jwtAlgorithm', flag: 'jwt-algorithm', env: 'QUIRE_JWT_ALGORITHM', fallback: 'RS256', parse: jwtAlgorithm, help: 'algorithm of the public key: RS256, ES256 or EdDSA' }),
  cli({ key: 'jwtIssuer', flag: 'jwt-issuer', env: 'QUIRE_JWT_ISSUER', fallback: '', parse: text, help: 'required token issuer (iss)' }),
  cli({ key: 'jwtAudience', flag: 'jwt-audience', env: 'QUIRE_JWT_AUDIENCE', fallback: '', parse: text, help: 'required token audience (aud)' }),
  server({ key: 'allowedOrigins', flag: 'allowed-origins', env: 'QUIRE_ALLOWED_ORIGINS', fallback: '*', parse: originList, help: 'comma-separated browser origins allowed to connect (403 otherwise)' }),
  server({ key: 'authTimeoutMs', flag: 'auth-timeout-ms', env: 'QUIRE_AUTH_TIMEOUT_MS', fallback: String(defaults.authTimeoutMs), parse: positive(), help: 'deadline to authenticate by message, and for each token check (close 4508)' }),
  server({ key: 'handshakeTimeoutMs', flag: 'handshake-timeout-ms', env: 'QUIRE_HANDSHAKE_TIMEOUT_MS', fallback: String(defaults.handshakeTimeoutMs), parse: positive(), help: 'time to send the HTTP upgrade request headers' }),
  server({ key: 'maxConnections', flag: 'max-connections', env: 'QUIRE_MAX_CONNECTIONS', fallback: String(defaults.maxConnections), parse: positive(), help: 'open connections in total (HTTP 503 above)' }),
  server({ key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', env: 'QUIRE_MAX_CONNECTIONS_PER_IP', fallback: String(defaults.maxConnectionsPerIp), parse: positive(), help: 'open connections per client IP (HTTP 429 above)' }),
  server({ key: 'maxDocumentBytes', flag: 'max-document-bytes', env: 'QUIRE_MAX_DOCUMENT_BYTES', fallback: String(defaults.maxDocumentBytes), parse: positive(), help: 'largest document; growing past it closes with 1008' }),
  server({ key: 'messagesPerSecond', flag: 'messages-per-second', env: 'QUIRE_MESSAGES_PER_SECOND', fallback: String(defaults.messagesPerSecond), parse: positive(), help: 'sustained messages per connection (close 1008 above)' }),
  server({ key: 'messageBurst', flag: 'message-burst', env: 'QUIRE_MESSAGE_BURST', fallback: String(defaults.messageBurst), parse: positive(), help: 'message burst per connection' }),
  server({ key: 'bytesPerSecond', flag: 'bytes-per-second', env: 'QUIRE_BYTES_PER_SECOND', fallback: String(defaults.bytesPerSecond), parse: positive(), help: 'sustained bytes per connection (close 1008 above)' }),
  server({ key: 'byteBurst', flag: 'byte-burst', env: 'QUIRE_BYTE_BURST', fallback: String(defaults.byteBurst), parse: positive(), help: 'byte burst per connection' }),
  server({ key: 'maxFragments', flag: 'max-fragments', env: 'QUIRE_MAX_FRAGMENTS', fallback: String(defaults.maxFragments), parse: positive(), help: 'frames per WebSocket message (close 1008 above)' }),
  server({ key: 'awarenessIntervalMs', flag: 'awareness-interval-ms', env: 'QUIRE_AWARENESS_INTERVAL_MS', fallback: String(defaults.awarenessIntervalMs), parse: wholeNumber(), help: 'least time between forwarded awareness updates per connection' }),
  server({ key: 'maxAwarenessStateBytes', flag: 'max-awareness-state-bytes', env: 'QUIRE_MAX_AWARENESS_STATE_BYTES', fallback: String(defaults.maxAwarenessStateBytes), parse: wholeNumber(), help: 'largest awareness state (close 1008 above)' }),
  server({ key: 'maxAwarenessClients', flag: 'max-awareness-clients', env: 'QUIRE_MAX_AWARENESS_CLIENTS', fallback: String(defaults.maxAwarenessClients), parse: wholeNumber(), help: 'awareness client IDs per connection' }),
  server({ key: 'maxIgnoredMessagesPerMinute', flag: 'max-ignored-per-minute', env: 'QUIRE_MAX_IGNORED_PER_MINUTE', fallback: String(defaults.maxIgnoredMessagesPerMinute), parse: positive(), help: 'unknown or server-bound messages per minute (close 1008 above)' }),
  server({ key: 'maxClockGaps', flag: 'max-clock-gaps', env: 'QUIRE_MAX_CLOCK_GAPS', fallback: String(defaults.maxClockGaps), parse: wholeNumber(), help: 'updates in a row with missing history (close 1008 above)' }),
  cli({ key: 'staticDir', flag: 'static-dir', env: 'QUIRE_STATIC_DIR', fallback: 'auto', parse: text, help: "web app served at / ('auto': the built editor demo if present, 'none': off)" }),
] as const;

type SettingRow = (typeof SETTINGS)[number];
type ValueOf<Row> = Row extends { readonly parse: Parser<infer Value> } ? Value : never;
type RowsIn<Scope> = Extract<SettingRow, { readonly scope: Scope }>;

export type SettingKey = SettingRow['key'];
export type SettingValue<Key extends SettingKey> = ValueOf<Extract<SettingRow, { readonly key: Key }>>;

/** The SyncServerOptions the CLI reads: passed to createSyncServer as they are. */
export type CliServerOptions = { readonly [Row in RowsIn<'server'> as Row['key']]: ValueOf<Row> };

/** Everything the CLI reads: the server's options nested, the CLI's own settings beside them. */
export type CliConfig = { readonly server: CliServerOptions } & {
  readonly [Row in RowsIn<'cli'> as Row['key']]: ValueOf<Row>;
};

const FLAG_WIDTH = Math.max(...SETTINGS.map((s) => s.flag.length));
const ENV_WIDTH = Math.max(...SETTINGS.map((s) => s.env.length));

export const CLI_USAGE = `Usage: quire-server [options]

Every option also reads an environment variable and, but for --config and
--print-config, a key of the --config file. The flag wins over the variable,
the variable over the file, the file over the default.
${SETTINGS.map((s) => `  --${s.flag.padEnd(FLAG_WIDTH)} ${s.env.padEnd(ENV_WIDTH)} ${s.help} (default ${s.fallback || 'none'})`).join('\n')}
  -h, --help
`;

/** The parseArgs options for the flags of `keys`, for a command that reads some of the settings. */
export function settingFlags(keys: readonly SettingKey[]): Record<string, { readonly type: 'string' | 'boolean' }> {
  return Object.fromEntries(
    SETTINGS.filter((s) => keys.includes(s.key)).map((s) => [s.flag, { type: s.parse.kind === 'boolean' ? 'boolean' : 'string' }]),
  );
}

type ParsedFlags = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** The settings a --config file may not hold: which file to read, and what to do instead of serving. */
const NOT_IN_FILE: readonly SettingKey[] = ['config', 'printConfig'];

/** A config file's values as flag text, by setting key. */
type FileValues = ReadonlyMap<string, string>;

function readRow(setting: SettingRow, flags: ParsedFlags, env: NodeJS.ProcessEnv, file: FileValues = new Map()): unknown {
  const flagValue = flags[setting.flag];
  const envValue = env[setting.env];
  // An empty variable counts as unset; an empty flag is an explicit value.
  const raw =
    typeof flagValue === 'string' || typeof flagValue === 'boolean'
      ? String(flagValue)
      : envValue !== '' && envValue !== undefined
        ? envValue
        : (file.get(setting.key) ?? setting.fallback);
  return setting.parse(raw, setting.flag);
}

/**
 * Every key of a --config file as the text its flag would take, each checked
 * now (unknown keys and wrong types are refused even when a flag overrides
 * them: the file is wrong either way).
 */
function readFileValues(path: string): FileValues {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(readConfigFile(path))) {
    const setting = SETTINGS.find((candidate) => candidate.key === key);
    if (setting === undefined || NOT_IN_FILE.includes(setting.key)) {
      const meant = SETTINGS.find((candidate) => candidate.flag === key || candidate.env === key);
      const hint = meant === undefined || NOT_IN_FILE.includes(meant.key) ? '' : ` (did you mean "${meant.key}"?)`;
      throw new CliConfigError(`${path}: unknown setting "${key}"${hint}`);
    }
    const text = fileValueText(setting.parse.kind ?? 'string', value);
    if (text === undefined) {
      throw new CliConfigError(`${path}: "${key}" must be ${KIND_WORDS[setting.parse.kind ?? 'string']}, not ${typeWord(value)}`);
    }
    try {
      setting.parse(text, setting.flag);
    } catch (error) {
      throw new CliConfigError(`${path}: "${key}": ${error instanceof Error ? error.message : String(error)}`);
    }
    values.set(key, text);
  }
  return values;
}

const KIND_WORDS: Readonly<Record<FileKind, string>> = {
  string: 'a string',
  number: 'a whole number',
  list: 'a list of strings or a comma-separated string',
  boolean: 'true or false',
};

/** A file value as flag text: a string as it is, or the native type of the setting; undefined for a wrong type. */
function fileValueText(kind: FileKind, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (kind === 'number' && (typeof value === 'number' || typeof value === 'bigint')) return String(value);
  if (kind === 'boolean' && typeof value === 'boolean') return String(value);
  if (kind === 'list' && Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.join(',');
  return undefined;
}

function typeWord(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a table';
  return `a ${typeof value}`;
}

/**
 * The effective settings under their file names (so the output is a
 * --config file too), secrets redacted: for logs, tickets and screen shares.
 */
export function printableConfig(config: CliConfig): Record<string, unknown> {
  const printed: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    if (NOT_IN_FILE.includes(setting.key)) continue;
    const value = setting.scope === 'server' ? config.server[setting.key] : config[setting.key];
    printed[setting.key] = redacted(setting.key, value);
  }
  return printed;
}

/** A setting's value as it may be printed: the secret hidden, passwords taken out of connection strings. */
function redacted(key: SettingKey, value: unknown): unknown {
  if (key === 'jwtSecret') return value === '' ? value : REDACTED;
  if ((key === 'databaseUrl' || key === 'redisUrl') && typeof value === 'string') return redactUrl(value);
  return value;
}

/** One setting from parsed flags (see settingFlags), then its environment variable, then its default. */
export function readSetting<Key extends SettingKey>(key: Key, flags: ParsedFlags, env: NodeJS.ProcessEnv): SettingValue<Key> {
  const setting = SETTINGS.find((candidate) => candidate.key === key);
  if (setting === undefined) throw new TypeError(`no setting ${key}`);
  return readRow(setting, flags, env) as SettingValue<Key>;
}

/** Reads the server's settings from flags, then environment variables, then the --config file, then defaults. */
export function readCliConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  let values: ParsedFlags;
  try {
    values = parseArgs({
      args: [...argv],
      options: { ...settingFlags(SETTINGS.map((s) => s.key)), help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new CliConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values['help'] === true) return 'help';
  const path = readSetting('config', values, env);
  const file = path === '' ? new Map<string, string>() : readFileValues(path);
  const server: Record<string, unknown> = {};
  const config: Record<string, unknown> = { server };
  for (const setting of SETTINGS) (setting.scope === 'server' ? server : config)[setting.key] = readRow(setting, values, env, file);
  if (config['jwtSecret'] !== '' && config['jwtPublicKeyFile'] !== '') {
    throw new CliConfigError('give --jwt-secret or --jwt-public-key-file, not both');
  }
  // Redis only carries announcements of what PostgreSQL stores: without it there is nothing to announce.
  if (config['redisUrl'] !== '' && config['databaseUrl'] === '') {
    throw new CliConfigError('--redis-url needs --database-url: Redis links nodes that store documents in one PostgreSQL database');
  }
  return config as unknown as CliConfig;
}
