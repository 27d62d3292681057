import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { readCliConfig } from '../src/cli/cli-config.ts';
import { resolveStaticDir } from '../src/cli/static-dir-setting.ts';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { RawClient } from './helpers/raw-client.ts';
import type { SyncServer } from '../src/index.ts';

afterEach(async () => {
  await closeTestServers();
  await removeTempDirs();
});

const INDEX = '<!doctype html><title>app</title>';
/** index.html as served by a server with the default path prefix. */
const SERVED_INDEX = '<!doctype html><meta name="quire-sync-path" content="/"><title>app</title>';

/** A built app as Vite lays it out, plus a secret beside it that must never be served. */
async function builtApp(): Promise<{ root: string; outside: string }> {
  const parent = await createTempDir();
  const root = join(parent, 'app');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX);
  await writeFile(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(root, 'assets', 'index-AbC123xy.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'index-AbC123xy.css'), 'body{}');
  await writeFile(join(root, 'assets', 'font-Zz9.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  await writeFile(join(root, '.env'), 'SECRET=1');
  const outside = join(parent, 'secret.txt');
  await writeFile(outside, 'top secret');
  await symlink(outside, join(root, 'assets', 'escape.txt'));
  return { root, outside };
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with the path exactly as given: fetch() would normalise dot segments away. */
function rawGet(server: SyncServer, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: server.host, port: server.port, path, method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('serving a built web app', () => {
  it('serves files with their content types, and caches only hashed assets for good', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    const cases: [string, string, string][] = [
      ['/', 'text/html; charset=utf-8', 'no-cache'],
      ['/sw.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/favicon.svg', 'image/svg+xml', 'no-cache'],
      ['/assets/index-AbC123xy.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/index-AbC123xy.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
      ['/assets/font-Zz9.woff2', 'font/woff2', 'public, max-age=31536000, immutable'],
    ];
    for (const [path, type, cache] of cases) {
      const response = await rawGet(server, path);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.headers['cache-control'], path).toBe(cache);
      expect(response.headers['x-content-type-options'], path).toBe('nosniff');
    }
    const page = await rawGet(server, '/');
    expect(page.body).toBe(SERVED_INDEX);
    expect(page.headers['content-length']).toBe(String(Buffer.byteLength(SERVED_INDEX)));
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('answers every document page with index.html, however deep the name', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    for (const path of ['/d/notes', '/d/team/notes', '/d/caf%C3%A9', '/d/a%2Fb', '/index.html']) {
      const response = await rawGet(server, path);
      expect(response.status, path).toBe(200);
      expect(response.body, path).toBe(SERVED_INDEX);
    }
  });

  it("tells every page the WebSocket path prefix in a meta tag, and keys the page's ETag to it", async () => {
    const { root } = await builtApp();
    await writeFile(join(root, 'index.html'), '<!doctype html><html><head><title>app</title></head><body></body></html>');
    const plain = await startTestServer({ staticDir: root });
    const prefixed = await startTestServer({ staticDir: root, pathPrefix: '/sync/"<x>&' });
    const page = await rawGet(prefixed, '/d/notes');
    expect(page.body).toBe(
      '<!doctype html><html><head><title>app</title><meta name="quire-sync-path" content="/sync/&#34;&#60;x&#62;&#38;"></head><body></body></html>',
    );
    expect(page.headers['content-length']).toBe(String(Buffer.byteLength(page.body)));
    const head = await rawGet(prefixed, '/', 'HEAD');
    expect(head.headers['content-length']).toBe(page.headers['content-length']);
    expect(head.body).toBe('');

    const plainEtag = String((await rawGet(plain, '/')).headers['etag']);
    expect(String(page.headers['etag'])).not.toBe(plainEtag);
    expect((await rawGet(plain, '/', 'GET', { 'if-none-match': plainEtag })).status).toBe(304);
    expect((await rawGet(prefixed, '/', 'GET', { 'if-none-match': plainEtag })).status).toBe(200);
  });

  it('answers HEAD with headers only, and a matching ETag with 304', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    const head = await rawGet(server, '/assets/index-AbC123xy.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(head.body).toBe('');
    const etag = String(head.headers['etag']);
    const again = await rawGet(server, '/assets/index-AbC123xy.js', 'GET', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('never serves anything outside the directory, hidden files or directories', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    const refused = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/escape.txt',
      '/.env',
      '/%2eenv',
      '/assets',
      '/assets/',
      '/index.html%00.js',
      '/%E0%A4%A',
      '/missing.js',
    ];
    for (const path of refused) {
      const response = await rawGet(server, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('secret');
    }
  });

  it('leaves the API, the health check and other methods as they were', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    expect((await rawGet(server, '/healthz')).status).toBe(200);
    expect(JSON.parse((await rawGet(server, '/api/documents')).body)).toEqual({ documents: [] });
    expect((await rawGet(server, '/', 'POST')).status).toBe(405);
  });

  it('still opens documents by WebSocket on any path, including an app page path', async () => {
    const { root } = await builtApp();
    const server = await startTestServer({ staticDir: root });
    const client = new RawClient(`${server.url}/d/notes`);
    await client.opened;
    expect(roomsOf(server).size).toBe(1);
    client.close();
  });

  it('serves nothing without a static directory', async () => {
    const server = await startTestServer();
    expect((await rawGet(server, '/')).status).toBe(404);
    expect((await rawGet(server, '/d/notes')).status).toBe(404);
  });
});

describe('the --static-dir setting', () => {
  it('reads the flag, the environment variable, and defaults to auto', () => {
    const config = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      const read = readCliConfig(argv, env);
      if (read === 'help') throw new Error('unexpected help');
      return read.staticDir;
    };
    expect(config([])).toBe('auto');
    expect(config([], { QUIRE_STATIC_DIR: '/srv/app' })).toBe('/srv/app');
    expect(config(['--static-dir', 'none'], { QUIRE_STATIC_DIR: '/srv/app' })).toBe('none');
  });

  it('turns none off, takes a directory with an index.html, and refuses one without', async () => {
    const { root } = await builtApp();
    expect(resolveStaticDir('none')).toBeNull();
    expect(resolveStaticDir(root)).toBe(root);
    expect(resolveStaticDir('app', join(root, '..'))).toBe(root);
    expect(() => resolveStaticDir(join(root, 'assets'))).toThrow(/no index.html/);
  });
});
