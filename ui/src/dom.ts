// Element construction that can only ever produce text from data: strings become text nodes,
// never markup, so names taken from packets (DNS names, hosts) cannot inject anything.

export type Child = Node | string | number | null | undefined | false;

export interface ElementProps {
  class?: string;
  attrs?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.attrs) for (const [name, value] of Object.entries(props.attrs)) node.setAttribute(name, value);
  if (props.on) {
    for (const [type, handler] of Object.entries(props.on)) {
      node.addEventListener(type, handler as EventListener);
    }
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function button(label: string, onClick: () => void, cls = ''): HTMLButtonElement {
  return el('button', { class: cls, attrs: { type: 'button' }, on: { click: () => onClick() } }, label);
}

/** A labelled form control; `control` gets an id so the label is associated with it. */
export function field(label: string, control: HTMLElement, id: string): HTMLLabelElement {
  control.id = id;
  return el('label', { class: 'field', attrs: { for: id } }, el('span', {}, label), control);
}

export function select(options: readonly string[], value: string, onChange: (v: string) => void): HTMLSelectElement {
  const node = el('select', { on: { change: () => onChange(node.value) } });
  for (const o of options) node.appendChild(el('option', { attrs: { value: o } }, o === '' ? 'any' : o));
  node.value = value;
  return node;
}
