import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PEERS_DIR } from './targets.ts';

function peersInstalled(): boolean {
  const manifest = JSON.parse(readFileSync(join(PEERS_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return Object.keys(manifest.dependencies).every((name) => existsSync(join(PEERS_DIR, 'node_modules', name, 'package.json')));
}

/**
 * Installs the peer servers (their own package.json and lockfile, outside the
 * pnpm workspace) on first use, so users who never benchmark never download
 * or compile them.
 */
export function installPeers(log: (line: string) => void): void {
  if (peersInstalled()) return;
  log(`installing the peer servers into ${PEERS_DIR} (first run only)…`);
  const env = { ...process.env };
  // Native modules (better-sqlite3) build against the headers of this Node
  // when they are installed beside it, instead of downloading them.
  const headers = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (existsSync(join(headers, 'node_version.h')) && env['npm_config_nodedir'] === undefined) {
    env['npm_config_nodedir'] = dirname(dirname(headers));
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: PEERS_DIR,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !peersInstalled()) {
    throw new Error(`installing the peer servers failed (npm ci in ${PEERS_DIR} exited with ${result.status})`);
  }
}
