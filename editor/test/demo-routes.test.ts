import { describe, expect, it } from 'vitest';
import { documentPath, routeOf } from '../demo/src/routes.ts';

describe('demo routes', () => {
  it('maps / to the list and /d/<name> to a document, namespaces included', () => {
    expect(routeOf('/')).toEqual({ page: 'list' });
    expect(routeOf('/d/notes')).toEqual({ page: 'document', name: 'notes' });
    expect(routeOf('/d/team/notes')).toEqual({ page: 'document', name: 'team/notes' });
    expect(routeOf('/d/caf%C3%A9%20au%20lait')).toEqual({ page: 'document', name: 'café au lait' });
  });

  it('round-trips names through the URL, escaping each segment', () => {
    for (const name of ['notes', 'team/notes', 'a b/c?d#e', 'ünï/cödé', '100%']) {
      expect(routeOf(documentPath(name))).toEqual({ page: 'document', name });
    }
    expect(documentPath('a b/c?d')).toBe('/d/a%20b/c%3Fd');
  });

  it('treats anything else as missing', () => {
    for (const path of ['/d/', '/x', '/d', '/d/%E0%A4%A']) expect(routeOf(path)).toEqual({ page: 'missing' });
  });
});
