import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { AuthError } from './auth-error.ts';
import { createJwtAuthorizer, defineAuthorize, readBearerToken, type Authorize } from './jwt-authorizer.ts';
import { createJwtVerifier, type JwtPublicKeyAlgorithm } from './jwt-verifier.ts';

const NOW = Date.UTC(2030, 0, 1) ; // a fixed clock: no test depends on the wall clock
const now = (): number => NOW;
const nowSeconds = NOW / 1000;
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const GRANTS = { read: ['handbook', 'team/*'], write: ['team/notes'] };

let directory: string;
const keys = new Map<JwtPublicKeyAlgorithm, { privateKey: CryptoKey; otherPrivateKey: CryptoKey; path: string; pem: string }>();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'quire-jwt-'));
  for (const algorithm of ['RS256', 'ES256', 'EdDSA'] as const) {
    const pair = await generateKeyPair(algorithm, { extractable: true });
    const other = await generateKeyPair(algorithm);
    const pem = await exportSPKI(pair.publicKey);
    const path = join(directory, `${algorithm}.pem`);
    await writeFile(path, pem);
    keys.set(algorithm, { privateKey: pair.privateKey, otherPrivateKey: other.privateKey, path, pem });
  }
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function key(algorithm: JwtPublicKeyAlgorithm) {
  const entry = keys.get(algorithm);
  if (entry === undefined) throw new Error(`no key for ${algorithm}`);
  return entry;
}

async function sign(
  algorithm: string,
  signingKey: CryptoKey | Uint8Array,
  payload: JWTPayload = { quire: GRANTS },
  expiresIn: number | null = 3600,
): Promise<string> {
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: algorithm }).setSubject('user-1').setIssuedAt(nowSeconds);
  if (expiresIn !== null) jwt.setExpirationTime(nowSeconds + expiresIn);
  return jwt.sign(signingKey);
}

const secretBytes = new TextEncoder().encode(SECRET);

async function expectAuthError(promise: Promise<unknown>, code: string, reason: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect(error).toMatchObject({ code, reason });
}

const request = (docName: string, token?: string) => ({ docName, headers: {}, ...(token === undefined ? {} : { token }) });

describe.each([
  ['HS256', async () => createJwtAuthorizer({ secret: SECRET, now }), async (payload?: JWTPayload, expiresIn?: number | null) => sign('HS256', secretBytes, payload, expiresIn)],
  ...(['RS256', 'ES256', 'EdDSA'] as const).map((algorithm) => [
    algorithm,
    async () => createJwtAuthorizer({ algorithm, publicKeyPath: key(algorithm).path, now }),
    async (payload?: JWTPayload, expiresIn?: number | null) => sign(algorithm, key(algorithm).privateKey, payload, expiresIn),
  ] as const),
] as const)('createJwtAuthorizer with %s', (algorithm, create, signValid) => {
  let authorizeRequest: Authorize;
  beforeAll(async () => {
    authorizeRequest = await create();
  });

  it('grants write for a write pattern, with subject and expiry', async () => {
    await expect(authorizeRequest(request('team/notes', await signValid()))).resolves.toEqual({
      access: 'write',
      subject: 'user-1',
      expiresAt: NOW + 3600 * 1000,
    });
  });

  it('grants read for a read pattern and an exact name', async () => {
    const token = await signValid();
    await expect(authorizeRequest(request('team/plans', token))).resolves.toMatchObject({ access: 'read' });
    await expect(authorizeRequest(request('handbook', token))).resolves.toMatchObject({ access: 'read' });
  });

  it('forbids a document the valid token does not list', async () => {
    await expectAuthError(authorizeRequest(request('secret', await signValid())), 'ERR_AUTH_FORBIDDEN', 'no-access');
  });

  it('forbids everything when the token has no quire claim', async () => {
    await expectAuthError(authorizeRequest(request('handbook', await signValid({}))), 'ERR_AUTH_FORBIDDEN', 'no-access');
  });

  it('refuses a missing token', async () => {
    await expectAuthError(authorizeRequest(request('handbook')), 'ERR_AUTH_UNAUTHORIZED', 'missing-token');
    await expectAuthError(authorizeRequest(request('handbook', '')), 'ERR_AUTH_UNAUTHORIZED', 'missing-token');
  });

  it('refuses an expired token', async () => {
    await expectAuthError(authorizeRequest(request('handbook', await signValid(undefined, -60))), 'ERR_AUTH_UNAUTHORIZED', 'expired');
  });

  it('refuses a token without expiry', async () => {
    await expectAuthError(authorizeRequest(request('handbook', await signValid(undefined, null))), 'ERR_AUTH_UNAUTHORIZED', 'invalid-claims');
  });

  it('refuses a token signed with another key', async () => {
    const token = algorithm === 'HS256'
      ? await sign('HS256', new TextEncoder().encode('another-secret-that-is-32-bytes-long'))
      : await sign(algorithm, key(algorithm).otherPrivateKey);
    await expectAuthError(authorizeRequest(request('handbook', token)), 'ERR_AUTH_UNAUTHORIZED', 'bad-signature');
  });

  it('refuses a token with another algorithm', async () => {
    const token = algorithm === 'ES256' ? await sign('RS256', key('RS256').privateKey) : await sign('ES256', key('ES256').privateKey);
    await expectAuthError(authorizeRequest(request('handbook', token)), 'ERR_AUTH_UNAUTHORIZED', 'algorithm-not-allowed');
  });

  it('refuses alg: none', async () => {
    const token = new UnsecuredJWT({ quire: GRANTS }).setExpirationTime(nowSeconds + 3600).encode();
    await expectAuthError(authorizeRequest(request('handbook', token)), 'ERR_AUTH_UNAUTHORIZED', 'algorithm-not-allowed');
  });

  it.each(['garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9..', 'x'.repeat(10_000)])('refuses the malformed token %#', async (token) => {
    const error: unknown = await authorizeRequest(request('handbook', token)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'ERR_AUTH_UNAUTHORIZED' });
  });

  it('refuses a token whose quire claim is malformed', async () => {
    await expectAuthError(authorizeRequest(request('handbook', await signValid({ quire: { read: 'handbook' } }))), 'ERR_AUTH_UNAUTHORIZED', 'invalid-claims');
  });

  it('reads the token from an Authorization: Bearer header', async () => {
    const token = await signValid();
    await expect(authorizeRequest({ docName: 'handbook', headers: { authorization: `Bearer ${token}` } })).resolves.toMatchObject({ access: 'read' });
  });
});

describe('createJwtVerifier', () => {
  it('refuses the RS256 → HS256 confusion attack (public key used as HMAC secret)', async () => {
    const verify = await createJwtVerifier({ algorithm: 'RS256', publicKey: key('RS256').pem, now });
    const forged = await sign('HS256', new TextEncoder().encode(key('RS256').pem));
    await expectAuthError(verify(forged), 'ERR_AUTH_UNAUTHORIZED', 'algorithm-not-allowed');
  });

  it('checks issuer and audience when configured', async () => {
    const verify = await createJwtVerifier({ secret: SECRET, issuer: 'https://id.example', audience: 'quire', now });
    const good = await sign('HS256', secretBytes, { quire: GRANTS, iss: 'https://id.example', aud: 'quire' });
    await expect(verify(good)).resolves.toMatchObject({ subject: 'user-1', grants: GRANTS });
    const wrongAudience = await sign('HS256', secretBytes, { quire: GRANTS, iss: 'https://id.example', aud: 'other' });
    await expectAuthError(verify(wrongAudience), 'ERR_AUTH_UNAUTHORIZED', 'invalid-claims');
    const noIssuer = await sign('HS256', secretBytes, { quire: GRANTS, aud: 'quire' });
    await expectAuthError(verify(noIssuer), 'ERR_AUTH_UNAUTHORIZED', 'invalid-claims');
  });

  it('refuses a token that is not valid yet, and tolerates small skew', async () => {
    const verify = await createJwtVerifier({ secret: SECRET, now });
    const later = await sign('HS256', secretBytes, { quire: GRANTS, nbf: nowSeconds + 600 });
    await expectAuthError(verify(later), 'ERR_AUTH_UNAUTHORIZED', 'invalid-claims');
    const skewed = await sign('HS256', secretBytes, { quire: GRANTS, nbf: nowSeconds + 3 });
    await expect(verify(skewed)).resolves.toMatchObject({ grants: GRANTS });
  });

  it('accepts tokens without expiry when told to', async () => {
    const verify = await createJwtVerifier({ secret: SECRET, requireExpiry: false, now });
    const token = await sign('HS256', secretBytes, { quire: GRANTS }, null);
    const verified = await verify(token);
    expect(verified.expiresAt).toBeUndefined();
  });

  it('refuses tokens longer than the cap before parsing them', async () => {
    const verify = await createJwtVerifier({ secret: SECRET, maxTokenLength: 100, now });
    await expectAuthError(verify(await sign('HS256', secretBytes)), 'ERR_AUTH_UNAUTHORIZED', 'token-too-long');
  });

  it('treats bad configuration as startup errors', async () => {
    await expect(createJwtVerifier({ secret: 'short' })).rejects.toThrow(RangeError);
    await expect(createJwtVerifier({ algorithm: 'RS256', publicKeyPath: join(directory, 'missing.pem') })).rejects.toThrow(/cannot read/);
    const privatePem = await exportPKCS8(key('ES256').privateKey).catch(() => 'not a key');
    await expect(createJwtVerifier({ algorithm: 'ES256', publicKey: privatePem })).rejects.toThrow(TypeError);
    await expect(createJwtVerifier({ algorithm: 'ES256', publicKey: key('RS256').pem })).rejects.toThrow(TypeError);
  });
});

describe('readBearerToken and defineAuthorize', () => {
  it('prefers the token parameter and parses the Bearer scheme strictly', () => {
    expect(readBearerToken({ token: 'q', headers: { authorization: 'Bearer h' } })).toBe('q');
    expect(readBearerToken({ headers: { authorization: 'bearer  h ' } })).toBe('h');
    expect(readBearerToken({ headers: { authorization: 'Basic abc' } })).toBeUndefined();
    expect(readBearerToken({ headers: { authorization: 'Bearer a b' } })).toBeUndefined();
    expect(readBearerToken({ headers: { authorization: ['Bearer a', 'Bearer b'] } })).toBeUndefined();
    expect(readBearerToken({ headers: {} })).toBeUndefined();
  });

  it('checks that a hook is a function', async () => {
    const hook = defineAuthorize(() => Promise.resolve({ access: 'read' }));
    await expect(hook({ docName: 'a', headers: {} })).resolves.toEqual({ access: 'read' });
    expect(() => defineAuthorize('nope' as unknown as Authorize)).toThrow(TypeError);
    expect(new AuthError('ERR_AUTH_FORBIDDEN', 'no-access').status).toBe(403);
    expect(new AuthError('ERR_AUTH_UNAUTHORIZED', 'expired').status).toBe(401);
  });
});
