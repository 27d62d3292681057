import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { Logger } from '../logger.ts';

/** Content types of what a Vite build emits; anything else is served as bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Vite names every file under `assets/` after its content hash, so it can be cached for good. */
const HASHED_DIRECTORY = 'assets';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, the service worker) must be revalidated, or a deploy would not reach browsers. */
const REVALIDATE = 'no-cache';
/**
 * Pages may load code, styles and images from this server only and talk to
 * it only (WebSockets included); Tiptap sets inline styles, hence
 * 'unsafe-inline' for styles alone.
 */
const PAGE_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The app's pages: the document list at `/` and one editor page per document
 * at `/d/<name>`; all are the same index.html, the app routes in the browser.
 */
function isAppPage(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/d/');
}

/** Path segments of a request, decoded; null when the path is malformed or reaches outside the root. */
function decodeSegments(pathname: string): string[] | null {
  const segments: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    // Dot segments, hidden files, encoded separators and NUL never name a file we serve.
    if (segment === '' || segment.startsWith('.') || /[/\\\0]/u.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

/** The page meta tag naming the path prefix of documents' WebSockets (`--path-prefix`); the demo reads it. */
export const SYNC_PATH_META = 'quire-sync-path';

/** Escapes text for a double-quoted HTML attribute. */
function escapeAttribute(text: string): string {
  return text.replace(/[&"<>]/gu, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * `<meta>` tags giving the app facts only the server knows (where the
 * documents' WebSockets live), so one build runs behind any configuration.
 */
function metaTags(pageMeta: Readonly<Record<string, string>>): string {
  return Object.entries(pageMeta)
    .map(([name, content]) => `<meta name="${escapeAttribute(name)}" content="${escapeAttribute(content)}">`)
    .join('');
}

/** The page with `tags` at the end of its head (or at its start when it has no closing head tag). */
function withTags(html: string, tags: string): string {
  const headEnd = html.search(/<\/head\s*>/iu);
  if (headEnd >= 0) return html.slice(0, headEnd) + tags + html.slice(headEnd);
  const doctype = /^\s*<!doctype[^>]*>/iu.exec(html);
  const at = doctype === null ? 0 : doctype[0].length;
  return html.slice(0, at) + tags + html.slice(at);
}

export interface StaticFilesOptions {
  /** `<meta name content>` pairs added to every HTML page served. */
  readonly pageMeta?: Readonly<Record<string, string>>;
}

export interface StaticFiles {
  /** The directory served. */
  readonly root: string;
  /**
   * Answers a GET or HEAD for a file or an app page and resolves true, or
   * resolves false without touching the response when the path is not one.
   */
  serve(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean>;
}

/**
 * Serves a built web app (the editor demo) from one directory: correct
 * content types, immutable caching for hashed assets, revalidation for the
 * rest, index.html for app pages, nothing outside the directory.
 */
export function createStaticFiles(directory: string, logger: Logger, options: StaticFilesOptions = {}): StaticFiles {
  const root = resolve(directory);
  const tags = metaTags(options.pageMeta ?? {});
  // Part of every page's ETag: a page cached under one configuration is not reused under another.
  const tagsDigest = createHash('sha256').update(tags).digest('hex').slice(0, 12);
  let realRoot: Promise<string> | undefined;

  /** The file's real path when it is a regular file inside the root (symbolic links included); else null. */
  const findFile = async (relative: readonly string[]): Promise<{ path: string; size: number; mtimeMs: number } | null> => {
    const candidate = join(root, ...relative);
    try {
      realRoot ??= realpath(root);
      const [rootPath, filePath] = await Promise.all([realRoot, realpath(candidate)]);
      if (!filePath.startsWith(rootPath + sep)) return null;
      const info = await stat(filePath);
      return info.isFile() ? { path: filePath, size: info.size, mtimeMs: info.mtimeMs } : null;
    } catch {
      // A missing root is retried on the next request: the app may be built after the server started.
      realRoot = undefined;
      return null;
    }
  };

  /** An HTML page is small: read whole, given the meta tags, sent in one piece. */
  const servePage = async (
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    headers: Record<string, string | number>,
  ): Promise<boolean> => {
    let html: string;
    try {
      html = await readFile(path, 'utf8');
    } catch (error) {
      logger.warn({ err: error, path }, 'reading a static file failed');
      return false;
    }
    const body = Buffer.from(tags === '' ? html : withTags(html, tags));
    response.writeHead(200, { ...headers, 'content-length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };

  const serve = async (request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const segments = isAppPage(pathname) ? ['index.html'] : decodeSegments(pathname);
    if (segments === null || segments.length === 0) return false;
    const file = await findFile(segments);
    if (file === null) return false;

    const isPage = extname(file.path).toLowerCase() === '.html';
    const version = `${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}`;
    const etag = isPage ? `W/"${version}-${tagsDigest}"` : `W/"${version}"`;
    const headers: Record<string, string | number> = {
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': segments[0] === HASHED_DIRECTORY && segments.length > 1 ? IMMUTABLE : REVALIDATE,
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (isPage) {
      headers['content-security-policy'] = PAGE_SECURITY_POLICY;
      headers['referrer-policy'] = 'same-origin';
    }
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers);
      response.end();
      return true;
    }
    if (isPage) return servePage(request, response, file.path, headers);
    headers['content-length'] = file.size;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') {
      response.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file.path);
      stream.on('error', (error) => {
        logger.warn({ err: error, path: file.path }, 'reading a static file failed');
        response.destroy();
        done();
      });
      response.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(response);
    });
    return true;
  };

  return { root, serve };
}
