import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { isDocumentPattern } from '../auth/access-policy.ts';
import { readSetting, settingFlags } from './cli-config.ts';
import { describeFileError } from './file-error.ts';
import type { CommandStreams } from './storage-command.ts';

export const TOKEN_COMMAND_USAGE = `Token command (for tests, scripts and small deployments without an identity provider):
  quire-server token [--sub ID] [--name NAME] [--read DOC]... [--write DOC]... [--expires 1h]
      prints a JWT the server accepts, signed with --jwt-secret (QUIRE_JWT_SECRET,
      HS256) or with --jwt-private-key-file FILE (QUIRE_JWT_PRIVATE_KEY_FILE, PEM
      PKCS#8) and --jwt-algorithm; carries --jwt-issuer and --jwt-audience when set.
      --read and --write repeat; each is a document name, prefix/* or *.
      --expires: 30s, 15m, 1h or 7d (default 1h)
`;

const DEFAULT_EXPIRY = '1h';
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
// The verifier's own floor (RFC 7518 §3.2): a shorter secret would sign tokens no server accepts.
const MIN_SECRET_BYTES = 32;

class TokenCommandError extends Error {}

/** `30s`, `15m`, `1h`, `7d` in seconds. */
export function parseExpiry(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  const amount = match === null ? 0 : Number(match[1]);
  if (match === null || amount === 0) throw new TokenCommandError(`invalid --expires: ${text} (use 30s, 15m, 1h or 7d)`);
  return amount * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

interface TokenLine {
  readonly sub: string | undefined;
  readonly name: string | undefined;
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly expiresInSeconds: number;
  readonly privateKeyFile: string;
}

function readTokenLine(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...settingFlags(['jwtSecret', 'jwtAlgorithm', 'jwtIssuer', 'jwtAudience']),
      'jwt-private-key-file': { type: 'string' },
      sub: { type: 'string' },
      name: { type: 'string' },
      read: { type: 'string', multiple: true },
      write: { type: 'string', multiple: true },
      expires: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const read = values.read ?? [];
  const write = values.write ?? [];
  // A malformed pattern would match nothing: better said now than found out as a 403.
  const malformed = [...read, ...write].find((pattern) => !isDocumentPattern(pattern));
  if (malformed !== undefined) throw new TokenCommandError(`invalid document pattern: ${JSON.stringify(malformed)} (a name, prefix/* or *)`);
  const line: TokenLine = {
    sub: values.sub,
    name: values.name,
    read,
    write,
    expiresInSeconds: parseExpiry(values.expires ?? DEFAULT_EXPIRY),
    privateKeyFile: values['jwt-private-key-file'] ?? env['QUIRE_JWT_PRIVATE_KEY_FILE'] ?? '',
  };
  return { line, values };
}

/** Prints a signed token; 0 when printed, 1 for bad arguments or no key. Never writes the key. */
export async function runTokenCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandStreams,
  now: () => number = Date.now,
): Promise<number> {
  try {
    const { line, values } = readTokenLine(argv, env);
    const secret = readSetting('jwtSecret', values, env);
    const algorithm = readSetting('jwtAlgorithm', values, env);
    const issuer = readSetting('jwtIssuer', values, env);
    const audience = readSetting('jwtAudience', values, env);
    if (secret !== '' && line.privateKeyFile !== '') {
      throw new TokenCommandError('give --jwt-secret or --jwt-private-key-file, not both');
    }
    let key: Uint8Array | CryptoKey;
    let alg: string;
    if (secret !== '') {
      key = new TextEncoder().encode(secret);
      alg = 'HS256';
      if (key.byteLength < MIN_SECRET_BYTES) {
        throw new TokenCommandError(`the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes, got ${key.byteLength}`);
      }
    } else if (line.privateKeyFile !== '') {
      alg = algorithm;
      key = await readPrivateKey(line.privateKeyFile, algorithm);
    } else {
      throw new TokenCommandError('no signing key: give --jwt-secret (or QUIRE_JWT_SECRET), or --jwt-private-key-file with --jwt-algorithm');
    }
    const issuedAt = Math.floor(now() / 1000);
    let jwt = new SignJWT({
      ...(line.name === undefined ? {} : { name: line.name }),
      quire: { read: line.read, write: line.write },
    })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + line.expiresInSeconds);
    if (line.sub !== undefined) jwt = jwt.setSubject(line.sub);
    if (issuer !== '') jwt = jwt.setIssuer(issuer);
    if (audience !== '') jwt = jwt.setAudience(audience);
    io.stdout.write(`${await jwt.sign(key)}\n`);
    return 0;
  } catch (error) {
    // Messages are ours, parseArgs's or jose's: none of them quotes a key.
    io.stderr.write(`quire-server: ${error instanceof Error ? error.message : String(error)}\n\n${TOKEN_COMMAND_USAGE}`);
    return 1;
  }
}

async function readPrivateKey(path: string, algorithm: string): Promise<CryptoKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new TokenCommandError(describeFileError(error, path) ?? `cannot read ${path}`);
  }
  try {
    return await importPKCS8(pem.trim(), algorithm);
  } catch {
    // jose's message could echo part of the file; say only what is wrong.
    throw new TokenCommandError(`${path} is not a PEM PKCS#8 private key for ${algorithm}`);
  }
}
