type Child = Node | string | null | undefined | false;

type Attributes = Record<string, string | boolean | undefined | ((event: Event) => void)>;

/**
 * Builds an element: `on…` keys add listeners, `true` adds a bare
 * attribute, `false`/undefined leave it out. Text always goes in as text
 * nodes, never as HTML, because names and document titles come from other
 * people.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(key, '');
    else if (typeof value === 'string') element.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}
