import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { createTempDir, removeTempDirs, SERVER_CLI } from '@quire/test-utils';
import { createJwtAuthorizer, type Authorize } from '../src/auth/jwt-authorizer.ts';
import { parseExpiry, runTokenCommand } from '../src/cli/token-command.ts';

// `quire-server token` in-process: what it prints is checked by the server's own authorizer.

afterAll(() => removeTempDirs());

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function run(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runTokenCommand(args, env, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr, token: stdout.trim() };
}

async function access(authorize: Authorize, token: string, docName: string): Promise<string> {
  return authorize({ docName, token, headers: {} }).then(
    (result) => result.access,
    (error: unknown) => (error as { code: string }).code,
  );
}

describe('quire-server token', () => {
  it('signs with the secret a token the server accepts for the granted documents only', async () => {
    const result = await run(
      ['--sub', 'alice', '--name', 'Alice', '--read', 'team/*', '--write', 'team/notes', '--expires', '1h', '--jwt-issuer', 'quire-test'],
      { QUIRE_JWT_SECRET: SECRET, QUIRE_JWT_AUDIENCE: 'editors' },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(result.stdout).not.toContain(SECRET);

    const claims = decodeJwt(result.token);
    expect(claims).toMatchObject({ sub: 'alice', name: 'Alice', iss: 'quire-test', aud: 'editors', quire: { read: ['team/*'], write: ['team/notes'] } });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);

    const authorize = await createJwtAuthorizer({ secret: SECRET, issuer: 'quire-test', audience: 'editors' });
    expect(await access(authorize, result.token, 'team/notes')).toBe('write');
    expect(await access(authorize, result.token, 'team/plans')).toBe('read');
    expect(await access(authorize, result.token, 'other/doc')).toBe('ERR_AUTH_FORBIDDEN');
    const otherKey = await createJwtAuthorizer({ secret: `${SECRET}-other` });
    expect(await access(otherKey, result.token, 'team/notes')).toBe('ERR_AUTH_UNAUTHORIZED');
    const otherIssuer = await createJwtAuthorizer({ secret: SECRET, issuer: 'someone-else' });
    expect(await access(otherIssuer, result.token, 'team/notes')).toBe('ERR_AUTH_UNAUTHORIZED');
  });

  it('signs with a private key file and --jwt-algorithm', async () => {
    const folder = await createTempDir();
    for (const algorithm of ['ES256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(algorithm, { extractable: true });
      const keyFile = join(folder, `${algorithm}.pem`);
      await writeFile(keyFile, await exportPKCS8(pair.privateKey));
      const result = await run(['--jwt-private-key-file', keyFile, '--jwt-algorithm', algorithm, '--write', '*', '--expires', '15m']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const authorize = await createJwtAuthorizer({ algorithm, publicKey: await exportSPKI(pair.publicKey) });
      expect(await access(authorize, result.token, 'anything')).toBe('write');
      expect(await run(['--read', 'x'], { QUIRE_JWT_PRIVATE_KEY_FILE: keyFile, QUIRE_JWT_ALGORITHM: algorithm })).toMatchObject({ code: 0 });
    }
    const notAKey = join(folder, 'not-a-key.pem');
    await writeFile(notAKey, 'secret material that must not be echoed');
    const refused = await run(['--jwt-private-key-file', notAKey, '--jwt-algorithm', 'ES256']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${notAKey} is not a PEM PKCS#8 private key for ES256`);
    expect(refused.stderr).not.toContain('secret material');
    expect((await run(['--jwt-private-key-file', join(folder, 'missing.pem')])).stderr).toContain('missing.pem: no such file');
  });

  it('refuses without a key, and never prints the secret', async () => {
    const none = await run(['--sub', 'alice', '--read', 'doc']);
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toContain('no signing key: give --jwt-secret');

    const short = 'too-short-secret';
    const ways: [string[], NodeJS.ProcessEnv][] = [
      [[], { QUIRE_JWT_SECRET: short }],
      [['--jwt-secret', short], {}],
    ];
    for (const [args, env] of ways) {
      const result = await run(args, env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the HS256 secret must be at least 32 bytes');
      expect(`${result.stdout}${result.stderr}`).not.toContain(short);
    }
    for (const args of [['--expires', 'soon'], ['--read', 'team*'], ['--bogus'], ['--jwt-private-key-file', 'k.pem']]) {
      const result = await run(args, { QUIRE_JWT_SECRET: SECRET });
      expect(result.code, args.join(' ')).toBe(1);
      expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
    }
    expect((await run(['--expires', 'soon'], { QUIRE_JWT_SECRET: SECRET })).stderr).toContain('invalid --expires: soon');
    expect((await run(['--read', 'team*'], { QUIRE_JWT_SECRET: SECRET })).stderr).toContain('invalid document pattern: "team*"');
    expect((await run(['--jwt-private-key-file', 'k.pem'], { QUIRE_JWT_SECRET: SECRET })).stderr).toContain('not both');
  });

  it('reads expiries in seconds, minutes, hours and days', () => {
    expect([parseExpiry('30s'), parseExpiry('15m'), parseExpiry('1h'), parseExpiry('7d')]).toEqual([30, 900, 3600, 604_800]);
    for (const bad of ['0s', '1w', '1.5h', '', 'h']) expect(() => parseExpiry(bad)).toThrow(/invalid --expires/);
  });

  it('runs from the built CLI, and --help lists it', async () => {
    const cli = (args: string[], env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, [SERVER_CLI, ...args], { env: { ...process.env, ...env } });
    const { stdout, stderr } = await cli(['token', '--sub', 'bob', '--read', 'doc'], { QUIRE_JWT_SECRET: SECRET });
    expect(stderr).toBe('');
    expect(decodeJwt(stdout.trim())).toMatchObject({ sub: 'bob', quire: { read: ['doc'], write: [] } });
    const refused = await cli(['token'], { QUIRE_JWT_SECRET: '' }).catch((error: unknown) => error as { code: number; stderr: string });
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('no signing key');
    expect((await cli(['--help'], {})).stdout).toContain('quire-server token');
  });
});
