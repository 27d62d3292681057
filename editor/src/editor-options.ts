import type { EditorOptions, Extensions } from '@tiptap/core';
import type { StarterKitOptions } from '@tiptap/starter-kit';
import type { QuireProviderOptions } from '@quire/provider';
import { requireEditorUser, type EditorUser } from './editor-user.ts';

/** Provider settings `createEditor` passes through; the document, doc, awareness and server come from its own options. */
export type EditorProviderOptions = Omit<QuireProviderOptions, 'url' | 'urls' | 'document' | 'doc' | 'awareness' | 'token'>;

/** Tiptap settings `createEditor` passes through; it owns the element, the extensions and the content. */
export type EditorPassThroughOptions = Omit<Partial<EditorOptions>, 'element' | 'extensions' | 'content'>;

export interface CreateEditorOptions {
  /** Where the editor mounts: it is appended to this element. */
  readonly element: HTMLElement;
  /** The Quire server, `ws(s)://host:port[/prefix]`, or several for failover. */
  readonly url: string | readonly string[];
  /** The document name, e.g. `team/notes`. */
  readonly document: string;
  /** Shown to the others next to this user's caret and in their presence list. */
  readonly user: EditorUser;
  /** Sent to the server as `?token=`. */
  readonly token?: string;
  /**
   * Keep a copy of the document in the browser's IndexedDB, so edits survive
   * a reload while the server is unreachable and go out once it is back.
   * Default false.
   */
  readonly offline?: boolean;
  /** More Tiptap extensions, after the built-in ones. */
  readonly extensions?: Extensions;
  /** StarterKit settings; its own undo history is always off (undo is collaborative). */
  readonly starterKit?: Partial<Omit<StarterKitOptions, 'undoRedo'>>;
  /** The Y.XmlFragment the content lives in. Default `default`, as in Tiptap. */
  readonly field?: string;
  /** Passed to the provider (backoff, timeouts, `WebSocketPolyfill`, …). */
  readonly provider?: EditorProviderOptions;
  /** Passed to Tiptap's `Editor` (`editable`, `autofocus`, `editorProps`, …). */
  readonly editorOptions?: EditorPassThroughOptions;
}

export interface ResolvedEditorOptions {
  readonly element: HTMLElement;
  readonly urls: readonly string[];
  readonly document: string;
  readonly user: EditorUser;
  readonly token: string | undefined;
  readonly offline: boolean;
  readonly extensions: Extensions;
  readonly starterKit: Partial<Omit<StarterKitOptions, 'undoRedo'>>;
  readonly field: string;
  readonly provider: EditorProviderOptions;
  readonly editorOptions: EditorPassThroughOptions;
}

function isElementLike(value: unknown): value is HTMLElement {
  return typeof value === 'object' && value !== null && typeof (value as { appendChild?: unknown }).appendChild === 'function';
}

function urlsOf(url: unknown): readonly string[] {
  const urls = typeof url === 'string' ? [url] : Array.isArray(url) ? (url as unknown[]) : null;
  if (urls === null || urls.length === 0 || urls.some((entry) => typeof entry !== 'string' || entry.length === 0)) {
    throw new TypeError('url must be a server URL or a non-empty list of them');
  }
  return urls as string[];
}

/**
 * Checks the options synchronously (programmer errors throw here, before
 * anything is created) and fills in defaults. The document name and URLs are
 * checked further by the provider.
 */
export function resolveEditorOptions(options: CreateEditorOptions): ResolvedEditorOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  if (!isElementLike(options.element)) throw new TypeError('element must be a DOM element');
  if (typeof options.document !== 'string' || options.document.length === 0) {
    throw new TypeError('document must be a non-empty document name');
  }
  if (options.token !== undefined && typeof options.token !== 'string') throw new TypeError('token must be a string');
  if (options.offline !== undefined && typeof options.offline !== 'boolean') throw new TypeError('offline must be a boolean');
  if (options.extensions !== undefined && !Array.isArray(options.extensions)) {
    throw new TypeError('extensions must be an array of Tiptap extensions');
  }
  const field = options.field ?? 'default';
  if (typeof field !== 'string' || field.length === 0) throw new TypeError('field must be a non-empty string');
  const starterKit = options.starterKit ?? {};
  if ('undoRedo' in starterKit) {
    throw new TypeError('starterKit.undoRedo cannot be set: undo is collaborative (Collaboration provides it)');
  }
  return {
    element: options.element,
    urls: urlsOf(options.url),
    document: options.document,
    user: requireEditorUser(options.user),
    token: options.token,
    offline: options.offline ?? false,
    extensions: options.extensions ?? [],
    starterKit,
    field,
    provider: options.provider ?? {},
    editorOptions: options.editorOptions ?? {},
  };
}
