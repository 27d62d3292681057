import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore } from '@quire/storage';
import { createJwtAuthorizer, type SyncServer } from '../../src/index.ts';
import { closeTestServers, startTestServer } from '../helpers/test-server.ts';
import { signToken, TEST_SECRET } from './helpers/tokens.ts';

// GET /api/documents names every stored document: with authentication on it
// must ask for a valid token and list only what that token may read, and it
// obeys the origin allow-list like the WebSocket.

afterEach(() => closeTestServers());

async function startWithDocuments(options: { auth: boolean; allowedOrigins?: string[] }): Promise<SyncServer> {
  const store = createMemoryStore();
  for (const name of ['team/a', 'team/b', 'other/c']) {
    const doc = new Y.Doc();
    doc.getText('text').insert(0, name);
    await store.append(name, Y.encodeStateAsUpdate(doc));
  }
  return startTestServer({
    store,
    ...(options.auth ? { authorize: await createJwtAuthorizer({ secret: TEST_SECRET }) } : {}),
    ...(options.allowedOrigins === undefined ? {} : { allowedOrigins: options.allowedOrigins }),
  });
}

async function list(server: SyncServer, query = '', headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url.replace(/^ws/, 'http')}/api/documents${query}`, { headers });
  const body = (await response.json()) as { documents?: { name: string }[]; error?: string };
  return { status: response.status, names: body.documents?.map((document) => document.name).sort(), body, response };
}

describe('GET /api/documents', () => {
  it('lists every document when authentication is off', async () => {
    const server = await startWithDocuments({ auth: false });
    expect((await list(server)).names).toEqual(['other/c', 'team/a', 'team/b']);
  });

  it('answers 401 without a valid token when authentication is on', async () => {
    const server = await startWithDocuments({ auth: true });
    const missing = await list(server);
    expect(missing.status).toBe(401);
    expect(missing.response.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body.documents).toBeUndefined();
    expect((await list(server, '?token=not-a-token')).status).toBe(401);
    const expired = signToken({ read: ['*'], exp: Math.floor(Date.now() / 1000) - 60 });
    expect((await list(server, `?token=${expired}`)).status).toBe(401);
    expect((await list(server, `?token=${signToken({ read: ['*'] }, 'another-secret-0123456789abcdefgh')}`)).status).toBe(401);
  });

  it('lists only the documents the token may read or write, by query parameter or bearer header', async () => {
    const server = await startWithDocuments({ auth: true });
    const teamReader = signToken({ read: ['team/*'] });
    expect(await list(server, `?token=${teamReader}`)).toMatchObject({ status: 200, names: ['team/a', 'team/b'] });
    const oneWriter = signToken({ write: ['other/c'] });
    expect(await list(server, '', { authorization: `Bearer ${oneWriter}` })).toMatchObject({ status: 200, names: ['other/c'] });
    const nothing = signToken({ read: ['elsewhere/*'] });
    expect(await list(server, `?token=${nothing}`)).toMatchObject({ status: 200, names: [] });
  });

  it('refuses an origin the allow-list does not name', async () => {
    const server = await startWithDocuments({ auth: false, allowedOrigins: ['https://app.example'] });
    expect((await list(server, '', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await list(server, '', { origin: 'https://app.example' })).status).toBe(200);
  });
});
