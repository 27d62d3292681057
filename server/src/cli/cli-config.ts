import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import type { JwtPublicKeyAlgorithm } from '../auth/jwt-verifier.ts';
import { SYNC_SERVER_DEFAULTS } from '../server-options.ts';

export interface CliConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly pathPrefix: string;
  readonly maxMessageBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxQueuedMessages: number;
  readonly roomIdleMs: number;
  readonly keepAliveIntervalMs: number;
  readonly ownerProbeTimeoutMs: number;
  /** `auto`, `none` or a directory; see resolveStaticDir. */
  readonly staticDir: string;
  /** HS256 shared secret; '' when not set. */
  readonly jwtSecret: string;
  /** PEM SPKI public key file for `jwtAlgorithm`; '' when not set. */
  readonly jwtPublicKeyFile: string;
  readonly jwtAlgorithm: JwtPublicKeyAlgorithm;
  /** Expected `iss`; '' accepts any. */
  readonly jwtIssuer: string;
  /** Expected `aud`; '' accepts any. */
  readonly jwtAudience: string;
  /** Comma-separated origins, or `*` for any. */
  readonly allowedOrigins: string;
  readonly authTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxDocumentBytes: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  readonly maxFragments: number;
  readonly awarenessIntervalMs: number;
  readonly maxAwarenessStateBytes: number;
  readonly maxAwarenessClients: number;
  readonly maxIgnoredMessagesPerMinute: number;
  readonly maxClockGaps: number;
}

export class CliConfigError extends Error {
  override readonly name = 'CliConfigError';
}

type Parser<T> = (text: string, flag: string) => T;

interface Setting<K extends keyof CliConfig> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly fallback: CliConfig[K];
  readonly parse: Parser<CliConfig[K]>;
  readonly help: string;
}

const text: Parser<string> = (value) => value;

const wholeNumber =
  (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (value, flag) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number > max) throw new CliConfigError(`invalid --${flag}: ${value}`);
    return number;
  };

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

const positive =
  (max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (value, flag) => {
    const number = wholeNumber(max)(value, flag);
    if (number === 0) throw new CliConfigError(`invalid --${flag}: ${value} (must be at least 1)`);
    return number;
  };

const defaults = SYNC_SERVER_DEFAULTS;

/** Where LevelDB lives unless --data-dir or QUIRE_DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = './data';

// One row per setting: flag, environment variable, default and help text all
// come from here, so the usage text cannot drift from what is parsed.
const SETTINGS = [
  { key: 'host', flag: 'host', env: 'HOST', fallback: defaults.host, parse: text, help: 'interface to listen on (0.0.0.0 to expose)' },
  { key: 'port', flag: 'port', env: 'PORT', fallback: defaults.port, parse: wholeNumber(65535), help: 'port to listen on' },
  { key: 'dataDir', flag: 'data-dir', env: 'QUIRE_DATA_DIR', fallback: DEFAULT_DATA_DIR, parse: text, help: 'LevelDB data directory' },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', fallback: 'info', parse: logLevel, help: LOG_LEVELS.join('|') },
  { key: 'pathPrefix', flag: 'path-prefix', env: 'QUIRE_PATH_PREFIX', fallback: defaults.pathPrefix, parse: text, help: 'URL prefix before document names' },
  { key: 'maxMessageBytes', flag: 'max-message-bytes', env: 'QUIRE_MAX_MESSAGE_BYTES', fallback: defaults.maxMessageBytes, parse: wholeNumber(), help: 'largest WebSocket message (close 1009 above)' },
  { key: 'maxBufferedBytes', flag: 'max-buffered-bytes', env: 'QUIRE_MAX_BUFFERED_BYTES', fallback: defaults.maxBufferedBytes, parse: wholeNumber(), help: 'unsent bytes per connection before close 1013' },
  { key: 'maxQueuedMessages', flag: 'max-queued-messages', env: 'QUIRE_MAX_QUEUED_MESSAGES', fallback: defaults.maxQueuedMessages, parse: wholeNumber(), help: 'messages held while a document loads (close 1008 above)' },
  { key: 'roomIdleMs', flag: 'room-idle-ms', env: 'QUIRE_ROOM_IDLE_MS', fallback: defaults.roomIdleMs, parse: wholeNumber(), help: 'idle time before an empty document is unloaded' },
  { key: 'keepAliveIntervalMs', flag: 'keep-alive-ms', env: 'QUIRE_KEEP_ALIVE_MS', fallback: defaults.keepAliveIntervalMs, parse: wholeNumber(), help: 'liveness sweep period (0 = off)' },
  { key: 'ownerProbeTimeoutMs', flag: 'owner-probe-timeout-ms', env: 'QUIRE_OWNER_PROBE_TIMEOUT_MS', fallback: defaults.ownerProbeTimeoutMs, parse: positive(), help: 'time the owner of a contested client ID has to answer a ping before its socket is dropped' },
  { key: 'jwtSecret', flag: 'jwt-secret', env: 'QUIRE_JWT_SECRET', fallback: '', parse: text, help: 'HS256 secret (32+ bytes) turns on JWT auth; prefer the env variable' },
  { key: 'jwtPublicKeyFile', flag: 'jwt-public-key-file', env: 'QUIRE_JWT_PUBLIC_KEY_FILE', fallback: '', parse: text, help: 'PEM public key file turns on JWT auth (see --jwt-algorithm)' },
  { key: 'jwtAlgorithm', flag: 'jwt-algorithm', env: 'QUIRE_JWT_ALGORITHM', fallback: 'RS256', parse: jwtAlgorithm, help: 'algorithm of the public key: RS256, ES256 or EdDSA' },
  { key: 'jwtIssuer', flag: 'jwt-issuer', env: 'QUIRE_JWT_ISSUER', fallback: '', parse: text, help: 'required token issuer (iss)' },
  { key: 'jwtAudience', flag: 'jwt-audience', env: 'QUIRE_JWT_AUDIENCE', fallback: '', parse: text, help: 'required token audience (aud)' },
  { key: 'allowedOrigins', flag: 'allowed-origins', env: 'QUIRE_ALLOWED_ORIGINS', fallback: '*', parse: text, help: 'comma-separated browser origins allowed to connect (403 otherwise)' },
  { key: 'authTimeoutMs', flag: 'auth-timeout-ms', env: 'QUIRE_AUTH_TIMEOUT_MS', fallback: defaults.authTimeoutMs, parse: positive(), help: 'deadline to authenticate by message, and for each token check (close 4508)' },
  { key: 'handshakeTimeoutMs', flag: 'handshake-timeout-ms', env: 'QUIRE_HANDSHAKE_TIMEOUT_MS', fallback: defaults.handshakeTimeoutMs, parse: positive(), help: 'time to send the HTTP upgrade request headers' },
  { key: 'maxConnections', flag: 'max-connections', env: 'QUIRE_MAX_CONNECTIONS', fallback: defaults.maxConnections, parse: positive(), help: 'open connections in total (HTTP 503 above)' },
  { key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', env: 'QUIRE_MAX_CONNECTIONS_PER_IP', fallback: defaults.maxConnectionsPerIp, parse: positive(), help: 'open connections per client IP (HTTP 429 above)' },
  { key: 'maxDocumentBytes', flag: 'max-document-bytes', env: 'QUIRE_MAX_DOCUMENT_BYTES', fallback: defaults.maxDocumentBytes, parse: positive(), help: 'largest document; growing past it closes with 1008' },
  { key: 'messagesPerSecond', flag: 'messages-per-second', env: 'QUIRE_MESSAGES_PER_SECOND', fallback: defaults.messagesPerSecond, parse: positive(), help: 'sustained messages per connection (close 1008 above)' },
  { key: 'messageBurst', flag: 'message-burst', env: 'QUIRE_MESSAGE_BURST', fallback: defaults.messageBurst, parse: positive(), help: 'message burst per connection' },
  { key: 'bytesPerSecond', flag: 'bytes-per-second', env: 'QUIRE_BYTES_PER_SECOND', fallback: defaults.bytesPerSecond, parse: positive(), help: 'sustained bytes per connection (close 1008 above)' },
  { key: 'byteBurst', flag: 'byte-burst', env: 'QUIRE_BYTE_BURST', fallback: defaults.byteBurst, parse: positive(), help: 'byte burst per connection' },
  { key: 'maxFragments', flag: 'max-fragments', env: 'QUIRE_MAX_FRAGMENTS', fallback: defaults.maxFragments, parse: positive(), help: 'frames per WebSocket message (close 1008 above)' },
  { key: 'awarenessIntervalMs', flag: 'awareness-interval-ms', env: 'QUIRE_AWARENESS_INTERVAL_MS', fallback: defaults.awarenessIntervalMs, parse: wholeNumber(), help: 'least time between forwarded awareness updates per connection' },
  { key: 'maxAwarenessStateBytes', flag: 'max-awareness-state-bytes', env: 'QUIRE_MAX_AWARENESS_STATE_BYTES', fallback: defaults.maxAwarenessStateBytes, parse: wholeNumber(), help: 'largest awareness state (close 1008 above)' },
  { key: 'maxAwarenessClients', flag: 'max-awareness-clients', env: 'QUIRE_MAX_AWARENESS_CLIENTS', fallback: defaults.maxAwarenessClients, parse: wholeNumber(), help: 'awareness client IDs per connection' },
  { key: 'maxIgnoredMessagesPerMinute', flag: 'max-ignored-per-minute', env: 'QUIRE_MAX_IGNORED_PER_MINUTE', fallback: defaults.maxIgnoredMessagesPerMinute, parse: positive(), help: 'unknown or server-bound messages per minute (close 1008 above)' },
  { key: 'maxClockGaps', flag: 'max-clock-gaps', env: 'QUIRE_MAX_CLOCK_GAPS', fallback: defaults.maxClockGaps, parse: wholeNumber(), help: 'updates in a row with missing history (close 1008 above)' },
  { key: 'staticDir', flag: 'static-dir', env: 'QUIRE_STATIC_DIR', fallback: 'auto', parse: text, help: "web app served at / ('auto': the built editor demo if present, 'none': off)" },
] as const satisfies readonly Setting<keyof CliConfig>[];

const FLAG_WIDTH = Math.max(...SETTINGS.map((s) => s.flag.length));
const ENV_WIDTH = Math.max(...SETTINGS.map((s) => s.env.length));

export const CLI_USAGE = `Usage: quire-server [options]

Every option also reads an environment variable; the flag wins.
${SETTINGS.map((s) => `  --${s.flag.padEnd(FLAG_WIDTH)} ${s.env.padEnd(ENV_WIDTH)} ${s.help} (default ${String(s.fallback) || 'none'})`).join('\n')}
  -h, --help
`;

/** Reads the server's settings from flags, then environment variables, then defaults. */
export function readCliConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
    values = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new CliConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values['help'] === true) return 'help';
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const flagValue = values[setting.flag];
    const envValue = env[setting.env];
    const raw = typeof flagValue === 'string' ? flagValue : envValue === '' ? undefined : envValue;
    config[setting.key] = raw === undefined ? setting.fallback : setting.parse(raw, setting.flag);
  }
  if (config['jwtSecret'] !== '' && config['jwtPublicKeyFile'] !== '') {
    throw new CliConfigError('give --jwt-secret or --jwt-public-key-file, not both');
  }
  return config as unknown as CliConfig;
}
