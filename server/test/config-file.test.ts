import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, SERVER_CLI, startServerProcess } from '@quire/test-utils';
import { SYNC_SERVER_DEFAULTS } from '../src/server-options.ts';
import { printableConfig, readCliConfig, type CliConfig } from '../src/cli/cli-config.ts';

// --config FILE (QUIRE_CONFIG): JSON or TOML under the settings' camelCase names; flag > environment > file > default.

afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function configFile(name: string, content: string): Promise<string> {
  const path = join(await createTempDir(), name);
  await writeFile(path, content);
  return path;
}

function read(argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig {
  const config = readCliConfig(argv, env);
  if (config === 'help') throw new Error('unexpected help');
  return config;
}

const TOML = `
port = 4000
dataDir = "/srv/quire"
logLevel = "warn"
maxMessageBytes = 1048576
allowedOrigins = ["https://a.example", "https://b.example"]
roomIdleMs = "2500"   # the flag's text is accepted too
`;

describe('--config', () => {
  it('reads a TOML file, in native types or as flag text', async () => {
    const config = read(['--config', await configFile('quire.toml', TOML)]);
    expect(config).toMatchObject({ dataDir: '/srv/quire', logLevel: 'warn' });
    expect(config.server).toMatchObject({
      port: 4000,
      maxMessageBytes: 1_048_576,
      roomIdleMs: 2500,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      maxConnections: SYNC_SERVER_DEFAULTS.maxConnections,
    });
  });

  it('reads a JSON file the same way, named by QUIRE_CONFIG', async () => {
    const path = await configFile('quire.json', JSON.stringify({ port: 4000, dataDir: '/srv/quire', allowedOrigins: 'https://a.example', jwtSecret: SECRET }));
    const config = read([], { QUIRE_CONFIG: path });
    expect(config).toMatchObject({ dataDir: '/srv/quire', jwtSecret: SECRET, config: path });
    expect(config.server).toMatchObject({ port: 4000, allowedOrigins: ['https://a.example'] });
  });

  it('loses to the environment, which loses to the flag', async () => {
    const path = await configFile('quire.toml', TOML);
    expect(read(['--config', path]).server.port).toBe(4000);
    expect(read(['--config', path], { PORT: '5000' }).server.port).toBe(5000);
    expect(read(['--config', path, '--port', '6000'], { PORT: '5000' }).server.port).toBe(6000);
    // An empty variable is unset, so the file still counts.
    expect(read(['--config', path], { PORT: '' }).server.port).toBe(4000);
    expect(read(['--config', path, '--log-level', 'debug'], { LOG_LEVEL: 'error' }).logLevel).toBe('debug');
    expect(read(['--config', path], { LOG_LEVEL: 'error' }).logLevel).toBe('error');
  });

  it('refuses unknown keys, naming the file and the key', async () => {
    for (const [name, content, problem] of [
      ['typo.toml', 'prot = 4000', 'unknown setting "prot"'],
      ['flag-name.json', '{ "data-dir": "/srv" }', 'unknown setting "data-dir" (did you mean "dataDir"?)'],
      ['env-name.json', '{ "QUIRE_DATA_DIR": "/srv" }', 'unknown setting "QUIRE_DATA_DIR" (did you mean "dataDir"?)'],
      ['nested.toml', 'config = "other.toml"', 'unknown setting "config"'],
      ['print.json', '{ "printConfig": true }', 'unknown setting "printConfig"'],
    ] as const) {
      const path = await configFile(name, content);
      // A flag for the same setting does not excuse the file.
      expect(() => read(['--config', path, '--data-dir', '/x']), name).toThrow(`${path}: ${problem}`);
    }
  });

  it('refuses wrong types and bad values, naming the file and the key', async () => {
    for (const [name, content, problem] of [
      ['bool.json', '{ "port": true }', '"port" must be a whole number, not a boolean'],
      ['list.toml', 'host = ["a", "b"]', '"host" must be a string, not a list'],
      ['number.toml', 'dataDir = 5', '"dataDir" must be a string, not a number'],
      ['table.toml', '[port]\nvalue = 1', '"port" must be a whole number, not a table'],
      ['origins.json', '{ "allowedOrigins": [1] }', '"allowedOrigins" must be a list of strings or a comma-separated string, not a list'],
      ['negative.toml', 'port = -1', '"port": invalid --port: -1'],
      ['fraction.json', '{ "maxMessageBytes": 1.5 }', '"maxMessageBytes": invalid --max-message-bytes: 1.5'],
      ['level.toml', 'logLevel = "loud"', '"logLevel": invalid --log-level: loud'],
      ['array.json', '[1, 2]', 'must hold an object of settings'],
      ['broken.json', '{ "port": ', 'not valid JSON'],
      ['broken.toml', 'port = = 1', 'not valid TOML'],
      ['quire.yaml', 'port: 1', 'a configuration file ends in .json or .toml'],
    ] as const) {
      const path = await configFile(name, content);
      expect(() => read(['--config', path]), name).toThrow(`${path}: ${problem}`);
    }
    const missing = join(await createTempDir(), 'missing.toml');
    expect(() => read(['--config', missing])).toThrow(`cannot read the configuration file: ${missing}: no such file`);
  });

  it('--print-config prints the effective settings as JSON with the secret redacted, and exits 0', async () => {
    const path = await configFile('quire.toml', `${TOML}\njwtSecret = "${SECRET}"\n`);
    const config = read(['--config', path, '--print-config']);
    expect(config.printConfig).toBe(true);
    const printed = printableConfig(config);
    expect(printed).toMatchObject({ port: 4000, dataDir: '/srv/quire', jwtSecret: '[redacted]', jwtPublicKeyFile: '' });
    expect(printed).not.toHaveProperty('config');
    expect(printableConfig(read([])).jwtSecret).toBe('');

    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SERVER_CLI, '--print-config', '--port', '4500'], {
      env: { ...process.env, QUIRE_CONFIG: path, QUIRE_JWT_SECRET: '' },
    });
    expect(stderr).toBe('');
    expect(stdout).not.toContain(SECRET);
    expect(JSON.parse(stdout)).toMatchObject({ port: 4500, logLevel: 'warn', jwtSecret: '[redacted]', allowedOrigins: ['https://a.example', 'https://b.example'] });
    // What it prints is a configuration file itself.
    const printedFile = await configFile('printed.json', stdout);
    expect(read(['--config', printedFile]).server.port).toBe(4500);
  });

  it('a server starts with its settings from the file', async () => {
    const path = await configFile('quire.toml', `jwtSecret = "${SECRET}"\npathPrefix = "/sync"\n`);
    const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--config', path] });
    try {
      expect(server.logs.some((line) => line.msg === 'JWT authentication on' && line['algorithm'] === 'HS256')).toBe(true);
      const response = await fetch(`${server.httpUrl}/healthz`);
      expect(response.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('reads the example of docs/operations.md', async () => {
    const operations = await readFile(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    const example = /```toml\n([\s\S]*?)```/.exec(operations)?.[1];
    expect(example).toBeDefined();
    const config = read(['--config', await configFile('quire.toml', example!)]);
    expect(config).toMatchObject({ dataDir: '/var/lib/quire', jwtAlgorithm: 'ES256' });
    expect(config.server).toMatchObject({ host: '0.0.0.0', maxMessageBytes: 1_048_576, allowedOrigins: ['https://notes.example.com'] });
  });
});
