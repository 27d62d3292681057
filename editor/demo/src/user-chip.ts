import type { EditorUser } from '@quire/editor';
import { h } from './h.ts';
import { askIdentity } from './identity.ts';

/** The signed-in user in the header; clicking it changes name and colour. */
export function userChip(user: EditorUser, onChange: (user: EditorUser) => void): HTMLButtonElement {
  let current = user;
  const dot = h('span', { class: 'dot' });
  const label = h('span', { class: 'user-name' });
  const render = (): void => {
    dot.style.setProperty('--color', current.color);
    label.textContent = current.name;
  };
  render();
  return h(
    'button',
    {
      type: 'button',
      class: 'user-chip',
      title: 'Change your name or colour',
      'data-testid': 'user-chip',
      onclick: () => {
        void askIdentity(current).then((next) => {
          current = next;
          render();
          onChange(next);
        });
      },
    },
    dot,
    label,
  );
}
