// A tiny React app for the browser tests of `@quire/editor/react`, served
// by a Quire server. The page's query names the document, the user, and the
// view: `hook` (useQuireEditor with its states shown) or `component`
// (<QuireEditor>). Everything renders in StrictMode, whose development build
// mounts, unmounts and mounts again.
import { StrictMode, useEffect, useState, type ReactElement } from 'react';
import { createRoot } from 'react-dom/client';
import { EditorContent } from '@tiptap/react';
import { QuireEditor, useQuireEditor, type UseQuireEditorOptions } from '@quire/editor/react';

declare global {
  interface Window {
    /** How often App's mount effect ran: 2 proves StrictMode's double mount happened. */
    reactAppEffectRuns?: number;
  }
}

const query = new URLSearchParams(location.search);
const view = query.get('view') === 'component' ? 'component' : 'hook';
const options: UseQuireEditorOptions = {
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`,
  document: query.get('doc') ?? 'react/app',
  user: { name: query.get('name') ?? 'Ada', color: query.get('color') ?? '#e11d48' },
};

function HookView(): ReactElement {
  // A new options object on every render, as apps write it: must not reconnect.
  const { editor, connection, save, people } = useQuireEditor({ ...options });
  return (
    <section>
      <p>
        <span data-testid="connection" data-state={connection}>
          {connection}
        </span>{' '}
        <span data-testid="save" data-state={save}>
          {save}
        </span>
      </p>
      <ul data-testid="people">
        {people.map((person) => (
          <li key={person.clientId} data-name={person.name} data-self={String(person.self)}>
            {person.name}
          </li>
        ))}
      </ul>
      <EditorContent editor={editor} className="editor" />
    </section>
  );
}

function App(): ReactElement {
  const [mounted, setMounted] = useState(true);
  useEffect(() => {
    window.reactAppEffectRuns = (window.reactAppEffectRuns ?? 0) + 1;
  }, []);
  return (
    <main>
      <button type="button" data-testid="unmount" disabled={!mounted} onClick={() => setMounted(false)}>
        Unmount the editor
      </button>
      {mounted && (view === 'component' ? <QuireEditor options={options} className="editor" /> : <HookView />)}
    </main>
  );
}

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
