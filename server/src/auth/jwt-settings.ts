import type { JwtPublicKeyAlgorithm, JwtVerifierOptions } from './jwt-verifier.ts';

/** JWT settings as an operator writes them: empty strings mean "not set". */
export interface JwtSettings {
  readonly jwtSecret: string;
  readonly jwtPublicKeyFile: string;
  readonly jwtAlgorithm: JwtPublicKeyAlgorithm;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
}

/** Verifier options for the configured key, or undefined when no key is configured (open access). */
export function jwtOptionsFromSettings(settings: JwtSettings): JwtVerifierOptions | undefined {
  const claims = {
    ...(settings.jwtIssuer === '' ? {} : { issuer: settings.jwtIssuer }),
    ...(settings.jwtAudience === '' ? {} : { audience: settings.jwtAudience }),
  };
  if (settings.jwtSecret !== '') return { ...claims, secret: settings.jwtSecret };
  if (settings.jwtPublicKeyFile !== '') {
    return { ...claims, algorithm: settings.jwtAlgorithm, publicKeyPath: settings.jwtPublicKeyFile };
  }
  return undefined;
}

/** Parses a comma-separated origin list; `*` alone (or empty) means no origin check. */
export function parseOriginList(value: string): readonly string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.includes('*') ? [] : entries;
}
