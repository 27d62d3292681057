import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from './logger.ts';
import { SYNC_SERVER_DEFAULTS } from './server-options.ts';

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

const defaults = SYNC_SERVER_DEFAULTS;

// One row per setting: flag, environment variable, default and help text all
// come from here, so the usage text cannot drift from what is parsed.
const SETTINGS = [
  { key: 'host', flag: 'host', env: 'HOST', fallback: defaults.host, parse: text, help: 'interface to listen on (0.0.0.0 to expose)' },
  { key: 'port', flag: 'port', env: 'PORT', fallback: defaults.port, parse: wholeNumber(65535), help: 'port to listen on' },
  { key: 'dataDir', flag: 'data-dir', env: 'QUIRE_DATA_DIR', fallback: './data', parse: text, help: 'LevelDB data directory' },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', fallback: 'info', parse: logLevel, help: LOG_LEVELS.join('|') },
  { key: 'pathPrefix', flag: 'path-prefix', env: 'QUIRE_PATH_PREFIX', fallback: defaults.pathPrefix, parse: text, help: 'URL prefix before document names' },
  { key: 'maxMessageBytes', flag: 'max-message-bytes', env: 'QUIRE_MAX_MESSAGE_BYTES', fallback: defaults.maxMessageBytes, parse: wholeNumber(), help: 'largest WebSocket message (close 1009 above)' },
  { key: 'maxBufferedBytes', flag: 'max-buffered-bytes', env: 'QUIRE_MAX_BUFFERED_BYTES', fallback: defaults.maxBufferedBytes, parse: wholeNumber(), help: 'unsent bytes per connection before close 1013' },
  { key: 'maxQueuedMessages', flag: 'max-queued-messages', env: 'QUIRE_MAX_QUEUED_MESSAGES', fallback: defaults.maxQueuedMessages, parse: wholeNumber(), help: 'messages held while a document loads (close 1008 above)' },
  { key: 'roomIdleMs', flag: 'room-idle-ms', env: 'QUIRE_ROOM_IDLE_MS', fallback: defaults.roomIdleMs, parse: wholeNumber(), help: 'idle time before an empty document is unloaded' },
  { key: 'keepAliveIntervalMs', flag: 'keep-alive-ms', env: 'QUIRE_KEEP_ALIVE_MS', fallback: defaults.keepAliveIntervalMs, parse: wholeNumber(), help: 'liveness sweep period (0 = off)' },
] as const satisfies readonly Setting<keyof CliConfig>[];

export const CLI_USAGE = `Usage: quire-server [options]

Every option also reads an environment variable; the flag wins.
${SETTINGS.map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(26)} ${s.help} (default ${String(s.fallback)})`).join('\n')}
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
  return config as unknown as CliConfig;
}
