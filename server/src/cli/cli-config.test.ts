import { describe, expect, it } from 'vitest';
import { SYNC_SERVER_DEFAULTS } from '../server-options.ts';
import { readCliConfig, readSetting, settingFlags, type CliConfig } from './cli-config.ts';

function read(argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig {
  const config = readCliConfig(argv, env);
  if (config === 'help') throw new Error('unexpected help');
  return config;
}

describe('the CLI configuration', () => {
  it('nests the server options, with the library defaults when nothing is set', () => {
    const { server } = read([]);
    for (const [key, value] of Object.entries(server)) {
      expect(SYNC_SERVER_DEFAULTS, key).toHaveProperty(key);
      expect(value, key).toEqual(SYNC_SERVER_DEFAULTS[key as keyof typeof SYNC_SERVER_DEFAULTS]);
    }
  });

  it('keeps its own settings beside them', () => {
    const config = read(['--data-dir', '/srv/quire', '--log-level', 'warn'], { QUIRE_JWT_ISSUER: 'issuer' });
    expect(config).toMatchObject({ dataDir: '/srv/quire', logLevel: 'warn', jwtIssuer: 'issuer', staticDir: 'auto' });
    expect(config.server).not.toHaveProperty('dataDir');
  });

  it('parses values to the server option types, the flag before the variable', () => {
    const { server } = read(['--port', '4000', '--allowed-origins', 'https://a.example, https://b.example'], {
      PORT: '5000',
      QUIRE_MAX_CLOCK_GAPS: '3',
      QUIRE_ROOM_IDLE_MS: '',
    });
    expect(server.port).toBe(4000);
    expect(server.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(server.maxClockGaps).toBe(3);
    expect(server.roomIdleMs).toBe(SYNC_SERVER_DEFAULTS.roomIdleMs);
  });

  it('reads one setting the same way for other commands', () => {
    expect(settingFlags(['dataDir'])).toEqual({ 'data-dir': { type: 'string' } });
    expect(readSetting('dataDir', {}, {})).toBe('./data');
    expect(readSetting('dataDir', {}, { QUIRE_DATA_DIR: '/env' })).toBe('/env');
    expect(readSetting('dataDir', { 'data-dir': '/flag' }, { QUIRE_DATA_DIR: '/env' })).toBe('/flag');
  });
});
