import { CliConfigError } from './cli-config-error.ts';

export const REDACTED = '[redacted]';

/**
 * A connection string checked for its scheme at start-up, so a typo fails
 * with the flag's name instead of as a driver error later. '' means not set.
 */
export function connectionUrl(schemes: readonly string[]): (value: string, flag: string) => string {
  return (value, flag) => {
    if (value === '') return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new CliConfigError(`invalid --${flag}: not a URL (use ${schemes.map((scheme) => `${scheme}//…`).join(' or ')})`);
    }
    if (!schemes.includes(url.protocol)) {
      throw new CliConfigError(`invalid --${flag}: ${url.protocol} URL (use ${schemes.map((scheme) => `${scheme}//…`).join(' or ')})`);
    }
    return value;
  };
}

/**
 * The URL with its password (in the user part or a `password` query
 * parameter) replaced by [redacted]: for --print-config and logs. Text that
 * is not a URL is redacted whole, since it could be anything.
 */
export function redactUrl(value: string): string {
  if (value === '') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return REDACTED;
  }
  // Built by hand: URL's setters would percent-encode the brackets.
  const user = url.username === '' && url.password === '' ? '' : `${url.username}${url.password === '' ? '' : `:${REDACTED}`}@`;
  let search = url.search;
  if (url.searchParams.has('password')) {
    const params = new URLSearchParams(url.searchParams);
    params.set('password', REDACTED);
    search = `?${params.toString().replace(encodeURIComponent(REDACTED), REDACTED)}`;
  }
  return `${url.protocol}//${user}${url.host}${url.pathname}${search}${url.hash}`;
}
