import { isUserColor, type EditorUser } from '@quire/editor';
import { h } from './h.ts';

const STORAGE_KEY = 'quire.user';

/** Colours that carry white text well. */
export const USER_COLORS = ['#e11d48', '#db2777', '#9333ea', '#4f46e5', '#0284c7', '#0d9488', '#16a34a', '#ea580c'] as const;

export function loadIdentity(): EditorUser | null {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<EditorUser> | null;
    if (typeof stored?.name === 'string' && stored.name.trim() !== '' && isUserColor(stored.color)) {
      return { name: stored.name.trim(), color: stored.color };
    }
  } catch {
    // A broken entry is asked for again.
  }
  return null;
}

export function saveIdentity(user: EditorUser): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(user));
}

function randomColor(): string {
  return USER_COLORS[Math.floor(Math.random() * USER_COLORS.length)] ?? USER_COLORS[0];
}

/** Asks for a name and a colour in a modal dialog; resolves with what was chosen. */
export function askIdentity(current: EditorUser | null): Promise<EditorUser> {
  return new Promise((resolve) => {
    let color = current?.color ?? randomColor();
    const nameInput = h('input', {
      name: 'name',
      required: true,
      maxlength: '64',
      autocomplete: 'nickname',
      placeholder: 'Ada Lovelace',
      'aria-label': 'Your name',
      'data-testid': 'identity-name',
    });
    nameInput.value = current?.name ?? '';
    const swatches = USER_COLORS.map((swatch) => {
      const button = h('button', {
        type: 'button',
        class: 'swatch',
        'aria-label': `Colour ${swatch}`,
        'aria-pressed': String(swatch === color),
        'data-color': swatch,
        onclick: () => {
          color = swatch;
          for (const other of swatches) other.setAttribute('aria-pressed', String(other === button));
        },
      });
      button.style.setProperty('--swatch', swatch);
      return button;
    });
    const dialog = h(
      'dialog',
      { class: 'identity-dialog', 'data-testid': 'identity-dialog' },
      h(
        'form',
        {
          method: 'dialog',
          onsubmit: (event) => {
            event.preventDefault();
            const name = nameInput.value.trim();
            if (name === '') return;
            const user = { name, color };
            saveIdentity(user);
            dialog.close();
            dialog.remove();
            resolve(user);
          },
        },
        h('h2', {}, current === null ? 'Welcome to Quire' : 'Your name and colour'),
        h('p', { class: 'muted' }, 'Others see this next to your cursor.'),
        h('label', { class: 'field' }, h('span', {}, 'Name'), nameInput),
        h('fieldset', { class: 'swatches' }, h('legend', {}, 'Colour'), ...swatches),
        h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'identity-save' }, 'Continue')),
      ),
    );
    // Escape would close the dialog without an answer; the app needs one.
    dialog.addEventListener('cancel', (event) => {
      if (current === null) event.preventDefault();
    });
    dialog.addEventListener('close', () => {
      if (dialog.isConnected) {
        dialog.remove();
        if (current !== null) resolve(current);
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    nameInput.focus();
  });
}

/** The stored identity, or the answer to the question (asked once per browser). */
export async function ensureIdentity(): Promise<EditorUser> {
  return loadIdentity() ?? (await askIdentity(null));
}
