import { EditorContent } from '@tiptap/react';
import { QuireEditor, useQuireEditor, type UseQuireEditorOptions } from '@quire/editor/react';

function optionsFor(documentName: string): UseQuireEditorOptions {
  return {
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`,
    document: documentName,
    user: { name: 'Ada', color: '#e11d48' },
  };
}

// The whole editor, with data-connection and data-save for styling.
export function Notes({ documentName }: { documentName: string }) {
  return <QuireEditor options={optionsFor(documentName)} className="editor" />;
}

// Or the hook, for a toolbar and a status line of the app's own.
export function NotesWithToolbar({ documentName }: { documentName: string }) {
  const { editor, connection, save, people } = useQuireEditor(optionsFor(documentName));
  return (
    <>
      <p>
        {connection} · {save} · {people.map((person) => person.name).join(', ')}
      </p>
      <button onClick={() => editor?.chain().focus().toggleBold().run()}>Bold</button>
      <EditorContent editor={editor} />
    </>
  );
}
