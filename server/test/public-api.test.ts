import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as publicApi from '../src/index.ts';
import type { SyncServer } from '../src/index.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

// @quire/server is what an embedding app may rely on (docs/api.md); what is
// not listed here is an internal and may change. Growing this list is a
// decision, to be made in the docs too.

describe('@quire/server', () => {
  it('exports the documented values and nothing else', () => {
    expect(Object.keys(publicApi).sort()).toEqual(
      [
        'AuthError',
        'InvalidDocumentNameError',
        'ServerClosedError',
        'ServerError',
        'createJwtAuthorizer',
        'createLogger',
        'createServerMetrics',
        'createSilentLogger',
        'createSyncHandler',
        'createSyncServer',
        'defineAuthorize',
        'readBearerToken',
      ].sort(),
    );
  });

  it('documents every export, values and types, in docs/api.md', async () => {
    const index = await readFile(new URL('../src/index.ts', import.meta.url), 'utf8');
    const api = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const exported = [...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap(([, names]) =>
      names!
        .split(',')
        .map((name) => name.trim().split(/\s+as\s+/).at(-1)!)
        .filter((name) => name !== ''),
    );
    expect(exported).toEqual(expect.arrayContaining(Object.keys(publicApi)));
    expect(exported.filter((name) => !api.includes(`\`${name}\``))).toEqual([]);
  });

  it('gives a server with documents, on and off, and no rooms', async () => {
    const server: SyncServer = await startTestServer();
    try {
      expect(Object.keys(server).sort()).toEqual(
        ['close', 'connectionCount', 'documents', 'host', 'off', 'on', 'port', 'url'].sort(),
      );
      // @ts-expect-error rooms are internal: tests reach them through roomsOf (helpers/test-server.ts).
      expect(server.rooms).toBeUndefined();
    } finally {
      await closeTestServers();
    }
  });
});
