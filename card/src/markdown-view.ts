// Draws parse results of markdown.ts with Lit. Every piece of message text goes through
// a text binding (Lit escapes it); the one attribute taken from a message is a link's
// href, which safeHref() limited to http(s) and mailto. No element here loads anything:
// no img, video, iframe, style, srcset or url().

import { html, nothing, type TemplateResult } from "lit";

import { parseMarkdown, type Block, type Inline } from "./markdown";

/** Words the drawing adds (in the user's language). */
export interface MarkdownLabels {
  /** Before the alt text of an image, drawn as a link: "Image". */
  image: string;
}

function inline(nodes: Inline[], labels: MarkdownLabels): Array<TemplateResult | string> {
  return nodes.map((node) => {
    switch (node.t) {
      case "text":
        return node.v;
      case "code":
        return html`<code>${node.v}</code>`;
      case "strong":
        return html`<strong>${inline(node.c, labels)}</strong>`;
      case "em":
        return html`<em>${inline(node.c, labels)}</em>`;
      case "del":
        return html`<del>${inline(node.c, labels)}</del>`;
      case "br":
        return html`<br />`;
      case "link":
        // title: where it goes (link text can say anything); an image stays a link.
        return html`<a
          href=${node.href}
          title=${node.href}
          target="_blank"
          rel="noopener noreferrer"
          referrerpolicy="no-referrer"
          class=${node.image ? "image-link" : nothing}
          >${node.image ? `${labels.image}: ` : nothing}${inline(node.c, labels)}</a
        >`;
    }
  });
}

function block(node: Block, labels: MarkdownLabels): TemplateResult {
  const blocks = (list: Block[]) => list.map((b) => block(b, labels));
  const cells = (list: Inline[]) => inline(list, labels);
  switch (node.t) {
    case "p":
      return html`<p>${cells(node.c)}</p>`;
    case "h":
      return html`<p class="heading h${node.level}"><strong>${cells(node.c)}</strong></p>`;
    case "pre":
      return html`<pre>${node.v}</pre>`;
    case "quote":
      return html`<blockquote>${blocks(node.c)}</blockquote>`;
    case "list": {
      const items = node.items.map((item) => html`<li>${blocks(item)}</li>`);
      return node.ordered
        ? html`<ol start=${node.start === 1 ? nothing : String(node.start)}>${items}</ol>`
        : html`<ul>${items}</ul>`;
    }
    case "table":
      return html`<div class="table">
        <table>
          <thead>
            <tr>${node.head.map((cell) => html`<th>${cells(cell)}</th>`)}</tr>
          </thead>
          <tbody>
            ${node.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cells(cell)}</td>`)}</tr>`)}
          </tbody>
        </table>
      </div>`;
    case "hr":
      return html`<hr />`;
  }
}

/** Message text drawn as safe markdown (see markdown.ts). */
export function renderMarkdown(text: string, labels: MarkdownLabels = { image: "Image" }): TemplateResult {
  return html`<div class="markdown">${parseMarkdown(text).map((b) => block(b, labels))}</div>`;
}
