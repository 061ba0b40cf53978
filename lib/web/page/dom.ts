/**
 * The page's two DOM helpers. Text from other people is only ever put in with `textContent`
 * (here, `text`), never parsed as HTML, so a name or a message such as
 * `<img src=x onerror=alert(1)>` shows as those characters and runs nothing.
 *
 * @module
 */

/**
 * The element with an id, of the expected kind.
 *
 * @param id Its id in index.html.
 * @param kind Its class, such as `HTMLInputElement`.
 * @returns The element.
 * @throws {TypeError} When index.html has no such element (a page out of step with its code).
 */
export function byId<T extends HTMLElement>(
  id: string,
  kind: abstract new () => T,
): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) {
    throw new TypeError(`index.html has no <${kind.name}> #${id}`);
  }
  return found;
}

/** What {@linkcode el} sets on a new element. */
export interface ElementFields {
  /** Class names, space-separated. */
  className?: string;
  /** Its text, set as text (never HTML). */
  text?: string;
  /** Attributes, set as attribute values. */
  attrs?: Record<string, string>;
}

/**
 * Make an element.
 *
 * @param tag The tag name.
 * @param fields Its classes, text and attributes.
 * @param children Elements or text to append, text as text.
 * @returns The element.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  fields: ElementFields = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (fields.className) node.className = fields.className;
  if (fields.text !== undefined) node.textContent = fields.text;
  for (const [name, value] of Object.entries(fields.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}
