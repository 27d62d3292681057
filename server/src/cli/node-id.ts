import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CliConfigError } from './cli-config-error.ts';

/**
 * This process's node id when none is configured: the host name and pid
 * say where to look in logs, the random part keeps ids unique when a
 * container restarts with the same host name and pid.
 */
const PROCESS_NODE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

/** The --node-id setting: 'auto' is this process's id, anything else is taken as it is. */
export function nodeIdSetting(value: string, flag: string): string {
  if (value === 'auto') return PROCESS_NODE_ID;
  if (value.trim() === '') throw new CliConfigError(`invalid --${flag}: empty (omit it, or give 'auto', for a generated one)`);
  return value;
}

