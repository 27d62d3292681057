import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  QUIRE_SUBPROTOCOL,
  encodeAuthToken,
  encodeSyncUpdate,
} from '@quire/protocol';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import { RawClient } from '../helpers/raw-client.ts';
import { destroyStockClients, documentUrl, Harness, listDocuments, readText, textUpdate } from '../hostile/harness.ts';
import { rawRequest, upgradeRequest } from '../hostile/raw-http.ts';
import { createKeyPair, signWithKey, type PublicKeyAlgorithm } from './helpers/keys.ts';
import { signToken } from './helpers/tokens.ts';

// Every claim combination against real upgrades of a real server process,
// for the three ways a client can present a token.

let harness: Harness;

beforeAll(async () => {
  harness = await Harness.start(['--allowed-origins', 'https://app.example']);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

type Presentation = 'stock (?token)' | 'quire.v1 (?token)' | 'quire.v1 (auth message)';
const PRESENTATIONS: readonly Presentation[] = ['stock (?token)', 'quire.v1 (?token)', 'quire.v1 (auth message)'];

type Outcome =
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string | undefined }
  | { readonly kind: 'open'; readonly client: RawClient };

async function present(presentation: Presentation, docName: string, token: string): Promise<Outcome> {
  const extensions = presentation !== 'stock (?token)';
  const inUrl = presentation !== 'quire.v1 (auth message)';
  const client = new RawClient(documentUrl(harness.url, docName, inUrl ? token : null), extensions ? [QUIRE_SUBPROTOCOL] : []);
  try {
    await client.opened;
  } catch (error) {
    const status = /HTTP (\d+)/.exec(String(error))?.[1];
    return { kind: 'http', status: Number(status) };
  }
  if (!inUrl) client.send(encodeAuthToken(token));
  const outcome = await Promise.race([
    client.next('sync-step-1').then(() => 'open' as const),
    client.closed.then(() => 'closed' as const),
  ]);
  if (outcome === 'open') return { kind: 'open', client };
  const { code } = await client.closed;
  const error = client.received.find((message) => message.type === 'error');
  return { kind: 'closed', code, reason: error?.type === 'error' ? error.reason : undefined };
}

/** Opens, writes, and reports whether the write was taken. */
async function writeOutcome(client: RawClient, extensions: boolean): Promise<'written' | 'refused'> {
  client.send(encodeSyncUpdate(textUpdate('x')));
  const answer = await Promise.race([
    client.next('saved').then(() => 'written' as const),
    client.next(extensions ? 'error' : 'permission-denied').then(() => 'refused' as const),
    // A stock client gets no acknowledgement; silence after the write means it was taken.
    ...(extensions ? [] : [new Promise<'written'>((resolve) => setTimeout(() => resolve('written'), 300))]),
  ]);
  client.close();
  return answer;
}

const now = (): number => Math.floor(Date.now() / 1000);

const CLAIMS = {
  write: () => signToken({ sub: 'w', write: ['matrix/*'] }),
  read: () => signToken({ sub: 'r', read: ['matrix/*'] }),
  none: () => signToken({ sub: 'n', read: ['elsewhere/*'], write: ['matrix'] }),
  expired: () => signToken({ sub: 'e', write: ['*'], exp: now() - 60 }),
  'wrong key': () => signToken({ sub: 'k', write: ['*'] }, 'a-different-secret-of-32-bytes-xx'),
} as const;

describe('auth matrix: claims × presentations against real upgrades', () => {
  for (const presentation of PRESENTATIONS) {
    const extensions = presentation !== 'stock (?token)';
    describe(presentation, () => {
      it('write: syncs and writes', async () => {
        const outcome = await present(presentation, 'matrix/doc', CLAIMS.write());
        expect(outcome.kind).toBe('open');
        if (outcome.kind === 'open') expect(await writeOutcome(outcome.client, extensions)).toBe('written');
      });

      it('read: syncs, writes are refused', async () => {
        const outcome = await present(presentation, 'matrix/doc', CLAIMS.read());
        expect(outcome.kind).toBe('open');
        if (outcome.kind === 'open') expect(await writeOutcome(outcome.client, extensions)).toBe('refused');
      });

      for (const claim of ['none', 'expired', 'wrong key'] as const) {
        const forbidden = claim === 'none';
        it(`${claim}: refused with ${forbidden ? '403 / 4403' : '401 / 4401'} and no document loaded`, async () => {
          const outcome = await present(presentation, 'matrix/doc', CLAIMS[claim]());
          if (presentation === 'stock (?token)') {
            expect(outcome).toEqual({ kind: 'http', status: forbidden ? 403 : 401 });
          } else {
            // quire.v1 clients get the socket, the reason and the close code, so they can stop retrying.
            const code = forbidden ? CLOSE_FORBIDDEN.code : CLOSE_UNAUTHORIZED.code;
            expect(outcome).toEqual({
              kind: 'closed',
              code,
              reason: forbidden ? 'ERR_AUTH_FORBIDDEN' : 'ERR_AUTH_UNAUTHORIZED',
            });
          }
        });
      }
    });
  }

  it('wrong origin: 403 before any credentials are looked at', async () => {
    const path = `/matrix/doc?token=${CLAIMS.write()}`;
    const foreign = await rawRequest(harness.server.port, upgradeRequest(path, { Origin: 'https://evil.example' }));
    expect(foreign.status).toBe(403);
    const quire = await rawRequest(
      harness.server.port,
      upgradeRequest(path, { Origin: 'https://evil.example', 'Sec-WebSocket-Protocol': QUIRE_SUBPROTOCOL }),
    );
    expect(quire.status).toBe(403);
    const allowed = await rawRequest(harness.server.port, upgradeRequest(path, { Origin: 'https://app.example' }));
    expect(allowed.status).toBe(101);
  });

  it('patterns: prefix/* covers names below the prefix only', async () => {
    const token = signToken({ sub: 'p', read: ['team/*'] });
    expect((await present('stock (?token)', 'team/a/b', token)).kind).toBe('open');
    expect(await present('stock (?token)', 'team', token)).toEqual({ kind: 'http', status: 403 });
    expect(await present('stock (?token)', 'teamx/a', token)).toEqual({ kind: 'http', status: 403 });
  });

  it('the only documents of refused attempts that exist are those written with access', async () => {
    const documents = await listDocuments(harness);
    expect(documents.map((document) => document.name)).toEqual(['matrix/doc']);
  });
});

describe('session lifetime', () => {
  it('closes stock and quire.v1 connections with 4401 when the token expires', async () => {
    const token = signToken({ sub: 's', write: ['expiring'], exp: now() + 2 });
    const stock = await present('stock (?token)', 'expiring', token);
    const quire = await present('quire.v1 (?token)', 'expiring', token);
    if (stock.kind !== 'open' || quire.kind !== 'open') throw new Error('not opened');
    expect((await stock.client.closed).code).toBe(CLOSE_UNAUTHORIZED.code);
    expect((await quire.client.closed).code).toBe(CLOSE_UNAUTHORIZED.code);
    expect(quire.client.received).toContainEqual({ type: 'error', code: CLOSE_UNAUTHORIZED.code, reason: 'ERR_AUTH_EXPIRED' });
  });

  it('a refreshed token extends the session and can change its access; another subject is refused', async () => {
    const short = signToken({ sub: 'refresher', write: ['refresh'], exp: now() + 2 });
    const outcome = await present('quire.v1 (?token)', 'refresh', short);
    if (outcome.kind !== 'open') throw new Error('not opened');
    const client = outcome.client;
    client.send(encodeAuthToken(signToken({ sub: 'refresher', write: ['refresh'], exp: now() + 3600 })));
    // Well past the first token's expiry, the connection still writes.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const doc = new Y.Doc();
    client.send(encodeSyncUpdate(textUpdate('after refresh', doc)));
    expect((await client.next('saved')).count).toBe(1);
    // A refresh that only grants reading turns the connection read-only.
    client.send(encodeAuthToken(signToken({ sub: 'refresher', read: ['refresh'] })));
    await vi.waitFor(() => {
      client.send(encodeSyncUpdate(textUpdate('!', doc)));
      expect(client.received.some((message) => message.type === 'error' && message.reason === 'ERR_READ_ONLY')).toBe(true);
    });
    // A token for someone else ends the connection.
    client.send(encodeAuthToken(signToken({ sub: 'intruder', write: ['refresh'] })));
    expect((await client.closed).code).toBe(CLOSE_UNAUTHORIZED.code);
    expect(client.received).toContainEqual({
      type: 'error',
      code: CLOSE_UNAUTHORIZED.code,
      reason: 'ERR_AUTH_SUBJECT_CHANGED',
    });
    // A '!' sent while the read-only refresh was still being checked may have been taken; none after.
    expect(await readText(harness.url, 'refresh')).toMatch(/^after refresh!*$/);
  }, 15_000);
});

describe('public keys from a file', () => {
  for (const algorithm of ['RS256', 'ES256', 'EdDSA'] as const satisfies readonly PublicKeyAlgorithm[]) {
    it(`${algorithm}: a token signed with the private key opens; one signed with another key is refused`, async () => {
      const directory = await createTempDir();
      const pair = await createKeyPair(algorithm, directory);
      const other = await createKeyPair(algorithm, await createTempDir());
      const server = await startServerProcess({
        dataDir: await createTempDir(),
        args: ['--jwt-public-key-file', pair.publicKeyPath, '--jwt-algorithm', algorithm],
      });
      const claims = { sub: 'k', exp: now() + 3600, quire: { write: ['keyed'] } };
      const good = new RawClient(documentUrl(server.url, 'keyed', signWithKey(pair, claims)));
      await good.opened;
      await good.next('sync-step-1');
      good.close();
      const bad = new RawClient(documentUrl(server.url, 'keyed', signWithKey(other, claims)));
      await expect(bad.opened).rejects.toThrow(/HTTP 401/);
      // An HS256 token signed with the public key as the secret (algorithm confusion) is refused too.
      const { readFile } = await import('node:fs/promises');
      const confused = signToken({ sub: 'k', write: ['keyed'] }, await readFile(pair.publicKeyPath, 'utf8'));
      await expect(new RawClient(documentUrl(server.url, 'keyed', confused)).opened).rejects.toThrow(/HTTP 401/);
      await server.stop();
    });
  }

  it('logs a warning at start-up when no authentication is configured', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir() });
    expect(server.logs.some((line) => line.level === 40 && /no authentication configured/.test(line.msg))).toBe(true);
    await server.stop();
    expect(harness.server.logs.some((line) => /no authentication configured/.test(line.msg))).toBe(false);
  });
});
