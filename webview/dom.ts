// Tiny DOM helpers. Text goes in through textContent only: snapshot strings are untrusted and are
// never parsed as HTML (no innerHTML, no insertAdjacentHTML anywhere in the webview).

export type Child = Node | string | null | undefined | false;

/** Creates an element with classes, attributes and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: { class?: string; attrs?: Record<string, string>; text?: string } = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  if (props.text !== undefined) e.textContent = props.text;
  for (const c of children) if (c) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

/** Removes all children of an element. */
export function clear(e: Element): void {
  while (e.firstChild) e.firstChild.remove();
}

/** A <button type="button"> with text and a click handler (keyboard: Enter/Space by default). */
export function button(text: string, onClick: (ev: MouseEvent) => void, cls = ''): HTMLButtonElement {
  const b = h('button', { class: cls, attrs: { type: 'button' }, text });
  b.addEventListener('click', onClick);
  return b;
}
