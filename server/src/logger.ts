import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { service: 'quire' } });
}

/** The default for library use: a logger that writes nothing. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
