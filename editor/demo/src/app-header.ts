import { h } from './h.ts';

/** The bar at the top of every page. */
export function appHeader(...right: Node[]): HTMLElement {
  return h(
    'header',
    { class: 'app-header' },
    h('a', { class: 'brand', href: '/' }, h('img', { src: '/favicon.svg', alt: '', width: '24', height: '24' }), 'Quire'),
    h('div', { class: 'header-right' }, ...right),
  );
}
