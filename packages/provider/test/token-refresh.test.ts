import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_UNAUTHORIZED } from '@quire/protocol';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess, type ServerProcess } from '@quire/test-utils';
import type { ConnectionCloseEvent } from '../src/index.ts';
import { createNodeProvider, destroyNodeProviders, waitForAllSaved, waitForSynced } from './helpers/node-provider.ts';

// Token refresh against a real server with JWT auth: a token function is
// asked before every connection and again before the token expires, and the
// fresh token travels in a quire.v1 auth-token message.

const SECRET = 'provider-test-secret-0123456789abcdef';

function sign(claims: { sub: string; write: string[]; expiresInSeconds: number }): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    sub: claims.sub,
    exp: Math.floor(Date.now() / 1000) + claims.expiresInSeconds,
    quire: { write: claims.write },
  };
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

async function startAuthServer(): Promise<ServerProcess> {
  return startServerProcess({ dataDir: await createTempDir(), env: { QUIRE_JWT_SECRET: SECRET } });
}

afterEach(async () => {
  destroyNodeProviders();
  await killServerProcesses();
  await removeTempDirs();
});

describe('token refresh', () => {
  it('refreshes a short-lived token before it expires, so the session outlives it', async () => {
    const server = await startAuthServer();
    let issued = 0;
    const provider = createNodeProvider({
      url: server.url,
      document: 'refreshed',
      // A token function that answers with a promise, as one that fetches would.
      token: () => {
        issued++;
        return Promise.resolve(sign({ sub: 'alice', write: ['refreshed'], expiresInSeconds: 3 }));
      },
    });
    const closes: ConnectionCloseEvent[] = [];
    provider.on('connection-close', (event) => closes.push(event));
    await waitForSynced(provider);
    // Two token lifetimes: without refreshes the server would have closed with 4401 by now.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(closes).toEqual([]);
    expect(issued).toBeGreaterThanOrEqual(3);
    provider.doc.getText('t').insert(0, 'after refreshes');
    await waitForAllSaved(provider);
  }, 15_000);

  it('refreshToken() sends a fresh token on request', async () => {
    const server = await startAuthServer();
    let issued = 0;
    const provider = createNodeProvider({
      url: server.url,
      document: 'on-request',
      token: () => {
        issued++;
        return sign({ sub: 'bob', write: ['on-request'], expiresInSeconds: 3600 });
      },
    });
    await waitForSynced(provider);
    expect(issued).toBe(1);
    expect(await provider.refreshToken()).toBe(true);
    expect(issued).toBe(2);
    provider.doc.getText('t').insert(0, 'still authorized');
    await waitForAllSaved(provider);
  });

  it('after a 4401 a token function gets one more try with a fresh token; a fixed token stops', async () => {
    const server = await startAuthServer();
    const tokens = [
      sign({ sub: 'carol', write: ['retry'], expiresInSeconds: -60 }),
      sign({ sub: 'carol', write: ['retry'], expiresInSeconds: 3600 }),
    ];
    const provider = createNodeProvider({ url: server.url, document: 'retry', token: () => tokens.shift()! });
    await waitForSynced(provider);
    expect(tokens).toHaveLength(0);

    const fixed = createNodeProvider({
      url: server.url,
      document: 'retry',
      token: sign({ sub: 'dave', write: ['retry'], expiresInSeconds: -60 }),
    });
    const denied = await new Promise<{ reason: string }>((resolve) => fixed.once('permission-denied', resolve));
    expect(denied.reason).toBe('ERR_AUTH_UNAUTHORIZED');
    expect(fixed.lastServerError?.code).toBe(CLOSE_UNAUTHORIZED.code);
    expect(fixed.status).toBe('disconnected');
  });

  it('destroy() during a token fetch opens nothing and leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      let release: (token: string) => void = () => undefined;
      const provider = createNodeProvider({
        url: 'ws://127.0.0.1:9',
        document: 'never',
        token: () => new Promise<string>((resolve) => (release = resolve)),
      });
      expect(provider.status).toBe('connecting');
      provider.destroy();
      release(sign({ sub: 'erin', write: ['never'], expiresInSeconds: 60 }));
      await Promise.resolve();
      expect(provider.status).toBe('disconnected');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
