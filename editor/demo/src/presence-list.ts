import type { PresenceEntry, QuireEditor } from '@quire/editor';
import { h } from './h.ts';

function initials(name: string): string {
  const words = name.split(/\s+/u).filter((word) => word.length > 0);
  return words
    .slice(0, 2)
    .map((word) => Array.from(word)[0]?.toUpperCase() ?? '')
    .join('');
}

/** Who has the document open: a coloured avatar per tab, names on hover and for screen readers. */
export function presenceList(handle: QuireEditor): HTMLElement {
  const list = h('ul', { class: 'presence', 'data-testid': 'presence', 'aria-label': 'People here' });
  const render = (entries: readonly PresenceEntry[]): void => {
    list.replaceChildren(
      ...entries.map((entry) => {
        const item = h(
          'li',
          {
            class: 'avatar',
            title: entry.self ? `${entry.name} (you)` : entry.name,
            'data-client-id': String(entry.clientId),
            'data-self': String(entry.self),
            'data-name': entry.name,
          },
          h('span', { 'aria-hidden': 'true' }, initials(entry.name)),
          h('span', { class: 'visually-hidden' }, entry.self ? `${entry.name} (you)` : entry.name),
        );
        item.style.setProperty('--color', entry.color);
        return item;
      }),
    );
  };
  render(handle.presence);
  handle.onPresence(render);
  return list;
}
