import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type PublicKeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKeyPair {
  readonly algorithm: PublicKeyAlgorithm;
  readonly privateKey: KeyObject;
  /** Where the PEM SPKI public key was written. */
  readonly publicKeyPath: string;
}

/** Generates a key pair for `algorithm` and writes its public key as PEM into `directory`. */
export async function createKeyPair(algorithm: PublicKeyAlgorithm, directory: string): Promise<TestKeyPair> {
  const pair =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const publicKeyPath = join(directory, `${algorithm}.pem`);
  await writeFile(publicKeyPath, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { algorithm, privateKey: createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })), publicKeyPath };
}

/** Signs a JWT with an asymmetric key, as an identity provider would. */
export function signWithKey(pair: TestKeyPair, payload: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: pair.algorithm, typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const input = Buffer.from(`${header}.${body}`);
  const signature =
    pair.algorithm === 'RS256'
      ? sign('sha256', input, pair.privateKey)
      : pair.algorithm === 'ES256'
        ? sign('sha256', input, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(null, input, pair.privateKey);
  return `${header}.${body}.${signature.toString('base64url')}`;
}
