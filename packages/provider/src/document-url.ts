import { validateDocumentName } from '@quire/protocol';

const SCHEMES: Readonly<Record<string, string>> = {
  'ws:': 'ws:',
  'wss:': 'wss:',
  'http:': 'ws:',
  'https:': 'wss:',
};

/**
 * The WebSocket URL of `documentName` on the server at `serverUrl`:
 * `ws(s)://host[/prefix]/<name>?<params>`. Each `/`-separated segment of the
 * name is percent-encoded on its own, so `/` stays a namespace separator and
 * `%`, `?` or `#` inside a name cannot change the URL's meaning (the stock
 * client concatenates the raw name instead).
 */
export function buildDocumentUrl(
  serverUrl: string,
  documentName: string,
  params: Readonly<Record<string, string>>,
): string {
  const name = validateDocumentName(documentName);
  if (!name.ok) throw new TypeError(`invalid document name ${JSON.stringify(documentName)}: ${name.problem}`);
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new TypeError(`invalid server URL ${JSON.stringify(serverUrl)}`);
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) throw new TypeError(`server URL must be ws:, wss:, http: or https:, got ${url.protocol}`);
  url.protocol = scheme;
  const prefix = url.pathname.replace(/\/+$/u, '');
  url.pathname = `${prefix}/${name.docName.split('/').map(encodeURIComponent).join('/')}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  url.hash = '';
  return url.toString();
}

/** `url` with the `token` query parameter set (how a stock client presents a token too). */
export function withToken(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('token', token);
  return parsed.toString();
}
