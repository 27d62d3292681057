import './styles.css';
import { h } from './h.ts';
import { ensureIdentity } from './identity.ts';
import { registerOfflineShell } from './offline-shell.ts';
import { routeOf } from './routes.ts';
import { renderDocumentListPage } from './document-list-page.ts';
import { renderEditorPage } from './editor-page.ts';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html lacks #app');
registerOfflineShell();

const route = routeOf(location.pathname);
void ensureIdentity().then((user) => {
  switch (route.page) {
    case 'list':
      renderDocumentListPage(root, user);
      break;
    case 'document':
      renderEditorPage(root, route.name, user);
      break;
    case 'missing':
      root.replaceChildren(
        h('main', { class: 'page narrow' }, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/' }, 'Back to the documents'))),
      );
      break;
  }
});
