/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already
 * {@link Html}: text from reports and logs (object names, user names, rule messages) is tenant-
 * controlled, so escaping is the default and raw markup the explicit exception.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` with `& < > " '` replaced by entities: safe in element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}

/** What may be interpolated: text (escaped), numbers, markup, lists of those, or nothing. */
export type HtmlValue = Html | string | number | undefined | null | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/** `html\`<p>${text}</p>\``: the template's literal parts as they are, every value escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/** Markup written by this program (styles, generated SVG paths), never data. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** Text with `code` in backticks: the backticked parts as <code>, everything escaped. */
export function codeText(text: string): Html {
  const parts = text.split('`');
  // An unmatched backtick is kept as text.
  if (parts.length % 2 === 0) return html`${text}`;
  return html`${parts.map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}
