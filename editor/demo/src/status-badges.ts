import type { EditorStatus, QuireEditor } from '@quire/editor';
import { h } from './h.ts';

const CONNECTION_LABELS: Record<EditorStatus['connection'], string> = {
  connected: 'Connected',
  connecting: 'Connecting…',
  offline: 'Offline',
};

function saveLabel(status: EditorStatus, offlineCopy: boolean): string {
  switch (status.save) {
    case 'saved':
      return 'Saved';
    case 'saving':
      return 'Saving…';
    case 'unsaved':
      return offlineCopy ? 'Kept on this device' : 'Not saved yet';
  }
}

/** The connection and save badges; `data-state` carries the machine-readable state. */
export function statusBadges(handle: QuireEditor): HTMLElement {
  const connection = h('span', { class: 'badge', 'data-testid': 'connection', role: 'status' });
  const save = h('span', { class: 'badge', 'data-testid': 'save', role: 'status' });
  const render = (status: EditorStatus): void => {
    connection.dataset['state'] = status.connection;
    connection.textContent = CONNECTION_LABELS[status.connection];
    save.dataset['state'] = status.save;
    save.textContent = saveLabel(status, handle.offlineCopy !== null);
    save.title =
      status.unsavedChanges === 0
        ? 'Every change is stored on the server'
        : `${status.unsavedChanges} change${status.unsavedChanges === 1 ? '' : 's'} not yet stored on the server`;
  };
  render(handle.status);
  handle.onStatus(render);
  return h('div', { class: 'badges' }, connection, save);
}
