import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLI_USAGE } from '../src/cli/cli-config.ts';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const settingsTable = /<!-- settings-table:start -->([\s\S]*)<!-- settings-table:end -->/.exec(readme)?.[1] ?? '';

// Every option the CLI parses, read from its own usage text.
const options = [...CLI_USAGE.matchAll(/^ {2}--(\S+)\s+(\S+).*\(default (.*)\)$/gm)].map(([, flag, env, fallback]) => ({
  flag,
  env,
  fallback,
}));

describe('README settings table', () => {
  it('exists and the CLI has options', () => {
    expect(settingsTable).not.toBe('');
    expect(options.length).toBeGreaterThan(5);
  });

  for (const { flag, env, fallback } of options) {
    it(`documents --${flag}, ${env} and its default`, () => {
      const row = settingsTable.split('\n').find((line) => line.startsWith(`| \`--${flag}\` |`));
      expect(row, `README row for --${flag}`).toBeDefined();
      expect(row).toContain(`\`${env}\``);
      expect(row).toContain(`\`${fallback}\``);
    });
  }
});
