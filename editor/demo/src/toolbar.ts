import type { Editor } from '@tiptap/core';
import { h } from './h.ts';

interface Tool {
  readonly id: string;
  readonly label: string;
  readonly title: string;
  readonly run: (editor: Editor) => boolean;
  readonly isActive?: (editor: Editor) => boolean;
  readonly isEnabled?: (editor: Editor) => boolean;
}

const mod = /Mac|iPhone|iPad/u.test(navigator.platform) ? '⌘' : 'Ctrl+';

const GROUPS: readonly (readonly Tool[])[] = [
  [
    {
      id: 'bold',
      label: 'B',
      title: `Bold (${mod}B)`,
      run: (editor) => editor.chain().focus().toggleBold().run(),
      isActive: (editor) => editor.isActive('bold'),
    },
    {
      id: 'italic',
      label: 'I',
      title: `Italic (${mod}I)`,
      run: (editor) => editor.chain().focus().toggleItalic().run(),
      isActive: (editor) => editor.isActive('italic'),
    },
  ],
  ([1, 2, 3] as const).map((level) => ({
    id: `heading-${level}`,
    label: `H${level}`,
    title: `Heading ${level}`,
    run: (editor: Editor) => editor.chain().focus().toggleHeading({ level }).run(),
    isActive: (editor: Editor) => editor.isActive('heading', { level }),
  })),
  [
    {
      id: 'bullet-list',
      label: '•',
      title: 'Bulleted list',
      run: (editor) => editor.chain().focus().toggleBulletList().run(),
      isActive: (editor) => editor.isActive('bulletList'),
    },
    {
      id: 'ordered-list',
      label: '1.',
      title: 'Numbered list',
      run: (editor) => editor.chain().focus().toggleOrderedList().run(),
      isActive: (editor) => editor.isActive('orderedList'),
    },
    {
      id: 'code-block',
      label: '</>',
      title: 'Code block',
      run: (editor) => editor.chain().focus().toggleCodeBlock().run(),
      isActive: (editor) => editor.isActive('codeBlock'),
    },
  ],
  [
    {
      id: 'undo',
      label: '↶',
      title: `Undo your last change (${mod}Z)`,
      run: (editor) => editor.chain().focus().undo().run(),
      isEnabled: (editor) => editor.can().undo(),
    },
    {
      id: 'redo',
      label: '↷',
      title: `Redo (${mod}Shift+Z)`,
      run: (editor) => editor.chain().focus().redo().run(),
      isEnabled: (editor) => editor.can().redo(),
    },
  ],
];

/** Formatting buttons whose pressed and enabled states follow the selection. */
export function toolbar(editor: Editor): HTMLElement {
  const buttons = new Map<Tool, HTMLButtonElement>();
  const groups = GROUPS.map((group) =>
    h(
      'div',
      { class: 'tool-group', role: 'group' },
      ...group.map((tool) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: `tool tool-${tool.id}`,
            title: tool.title,
            'aria-label': tool.title,
            'data-testid': `tool-${tool.id}`,
            // Keep the editor's selection: a click must not move focus first.
            onmousedown: (event) => event.preventDefault(),
            onclick: () => tool.run(editor),
          },
          tool.label,
        );
        buttons.set(tool, button);
        return button;
      }),
    ),
  );
  const update = (): void => {
    for (const [tool, button] of buttons) {
      if (tool.isActive !== undefined) button.setAttribute('aria-pressed', String(tool.isActive(editor)));
      if (tool.isEnabled !== undefined) button.disabled = !tool.isEnabled(editor);
    }
  };
  editor.on('transaction', update);
  editor.on('selectionUpdate', update);
  update();
  return h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Formatting' }, ...groups);
}
