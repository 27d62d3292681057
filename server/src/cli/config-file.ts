import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CliConfigError } from './cli-config-error.ts';
import { describeFileError } from './file-error.ts';

/**
 * The top-level table of a `--config` file, parsed by its extension (.json
 * or .toml). Read synchronously: it happens once, before the server starts.
 * Which keys and values are allowed is cli-config.ts's business.
 */
export function readConfigFile(path: string): Readonly<Record<string, unknown>> {
  const format = extname(path).toLowerCase();
  if (format !== '.json' && format !== '.toml') {
    throw new CliConfigError(`${path}: a configuration file ends in .json or .toml`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliConfigError(`cannot read the configuration file: ${describeFileError(error, path) ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = format === '.json' ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliConfigError(`${path}: not valid ${format === '.json' ? 'JSON' : 'TOML'}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliConfigError(`${path}: must hold an object of settings`);
  }
  return parsed as Record<string, unknown>;
}
