export type Route = { readonly page: 'list' } | { readonly page: 'document'; readonly name: string } | { readonly page: 'missing' };

const DOCUMENT_PREFIX = '/d/';

/** `/` is the document list, `/d/<name>` a document; `/` inside a name separates namespaces. */
export function routeOf(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'list' };
  if (!pathname.startsWith(DOCUMENT_PREFIX)) return { page: 'missing' };
  try {
    const name = pathname.slice(DOCUMENT_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    return name.length > 0 ? { page: 'document', name } : { page: 'missing' };
  } catch {
    return { page: 'missing' };
  }
}

export function documentPath(name: string): string {
  return DOCUMENT_PREFIX + name.split('/').map(encodeURIComponent).join('/');
}
