// Message text as a safe subset of markdown: parsed here into a small tree that the card
// draws with Lit's text bindings (render.ts's renderMarkdown). Nothing in a message ever
// becomes HTML: raw tags stay text, images become links, and only http(s) and mailto
// links are links. So opening a row loads nothing from anywhere (a model that read a
// secret cannot make the browser send it in an image URL) and runs no script.

export type Inline =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "strong" | "em" | "del"; c: Inline[] }
  /** `image`: it was `![alt](url)`; drawn as a link, never fetched. */
  | { t: "link"; href: string; c: Inline[]; image?: boolean }
  | { t: "br" };

export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "h"; level: number; c: Inline[] }
  | { t: "pre"; v: string }
  | { t: "quote"; c: Block[] }
  | { t: "list"; ordered: boolean; start: number; items: Block[][] }
  | { t: "table"; head: Inline[][]; rows: Inline[][][] }
  | { t: "hr" };

const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);
// Deep nesting (quotes in lists in quotes…) is drawn flat past this.
const MAX_DEPTH = 8;

/**
 * The URL a link may point at, or null: absolute http(s) or mailto only (no
 * javascript:, data:, blob:, file:, relative paths), parsed the way the browser will
 * parse it (so `java\tscript:` or `JAVASCRIPT:` fool nothing).
 */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (!LINK_SCHEMES.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && !url.hostname) return null;
  return url.href;
}

// ------------------------------------------------------------------ blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^( {0,3})([-*+])([ \t]+)(.*)$/;
const ORDERED = /^( {0,3})(\d{1,9})([.)])([ \t]+)(.*)$/;
const TABLE_SEP = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

function isBlank(line: string): boolean {
  return line.trim() === "";
}

function listMarker(line: string): { ordered: boolean; start: number; indent: number; rest: string } | null {
  const b = BULLET.exec(line);
  if (b) return { ordered: false, start: 1, indent: b[1].length + 1 + Math.min(b[3].length, 4), rest: b[4] };
  const o = ORDERED.exec(line);
  if (o) return { ordered: true, start: Number(o[2]), indent: o[1].length + o[2].length + 1 + Math.min(o[4].length, 4), rest: o[5] };
  return null;
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (s[i] === "|") {
      cells.push(cell.trim());
      cell = "";
    } else cell += s[i];
  }
  cells.push(cell.trim());
  return cells;
}

/** Does this line start a block other than a paragraph (and so end one)? */
function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || HR.test(line) || QUOTE.test(line) || listMarker(line) !== null;
}

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence && !(fence[1][0] === "`" && fence[2].includes("`"))) {
      const close = new RegExp(`^ {0,3}${fence[1][0] === "`" ? "`" : "~"}{${fence[1].length},}[ \\t]*$`);
      const body: string[] = [];
      i++;
      while (i < lines.length && !close.test(lines[i])) body.push(lines[i++]);
      i++;
      blocks.push({ t: "pre", v: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: "h", level: heading[1].length, c: parseInline(heading[2] ?? "") });
      i++;
      continue;
    }
    if (HR.test(line)) {
      blocks.push({ t: "hr" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const q = QUOTE.exec(lines[i]);
        if (!q && startsBlock(lines[i])) break;
        body.push(q ? q[1] : lines[i]);
        i++;
      }
      blocks.push(depth < MAX_DEPTH ? { t: "quote", c: parseBlocks(body, depth + 1) } : { t: "p", c: parseInline(body.join("\n")) });
      continue;
    }
    const marker = listMarker(line);
    if (marker) {
      const items: string[][] = [];
      const { ordered, start } = marker;
      let indent = marker.indent;
      let current: string[] = [marker.rest];
      i++;
      while (i < lines.length) {
        const next = lines[i];
        const m = listMarker(next);
        if (m && m.ordered === ordered) {
          items.push(current);
          current = [m.rest];
          indent = m.indent;
          i++;
          continue;
        }
        if (isBlank(next)) {
          // A blank line continues the list only when indented content follows.
          const after = lines[i + 1];
          if (after !== undefined && (after.startsWith(" ".repeat(indent)) || listMarker(after)?.ordered === ordered)) {
            current.push("");
            i++;
            continue;
          }
          break;
        }
        const indented = next.match(/^ */)![0].length >= indent;
        if (indented) current.push(next.slice(indent));
        else if (startsBlock(next)) break;
        else current.push(next); // a lazy continuation of the item's paragraph
        i++;
      }
      items.push(current);
      blocks.push({
        t: "list",
        ordered,
        start,
        items: items.map((item) =>
          depth < MAX_DEPTH ? parseBlocks(item, depth + 1) : [{ t: "p", c: parseInline(item.join("\n")) }],
        ),
      });
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const head = splitRow(line);
      if (head.length === splitRow(lines[i + 1]).length) {
        const rows: Inline[][][] = [];
        i += 2;
        while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
          const cells = splitRow(lines[i++]);
          rows.push(head.map((_, k) => parseInline(cells[k] ?? "")));
        }
        blocks.push({ t: "table", head: head.map((cell) => parseInline(cell)), rows });
        continue;
      }
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && (para.length === 0 || !startsBlock(lines[i]))) para.push(lines[i++]);
    blocks.push({ t: "p", c: parseInline(para.map((l) => l.trim()).join("\n")) });
  }
  return blocks;
}

/** Parse message text (markdown, line breaks kept) into blocks to draw. */
export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").split("\n"), 0);
}

// ------------------------------------------------------------------ inline

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~<>"']/;

/** Index of the `]` closing the `[` at `open`, or -1 (nested brackets and code skipped). */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\") i++;
    else if (ch === "[") depth++;
    else if (ch === "]" && --depth === 0) return i;
  }
  return -1;
}

/** `(url "title")` at `at`: the url and where it ends, or null. */
function linkTarget(s: string, at: number): { url: string; end: number } | null {
  if (s[at] !== "(") return null;
  let i = at + 1;
  while (s[i] === " ") i++;
  let url = "";
  if (s[i] === "<") {
    const close = s.indexOf(">", i);
    if (close < 0) return null;
    url = s.slice(i + 1, close);
    i = close + 1;
  } else {
    let depth = 0;
    for (; i < s.length; i++) {
      const ch = s[i];
      if (ch === "\\" && i + 1 < s.length) {
        url += s[++i];
        continue;
      }
      if (ch === "(") depth++;
      else if (ch === ")") {
        if (depth === 0) break;
        depth--;
      } else if (ch === " " || ch === "\n") break;
      url += ch;
    }
  }
  while (s[i] === " " || s[i] === "\n") i++;
  if (s[i] === '"' || s[i] === "'") {
    const close = s.indexOf(s[i], i + 1);
    if (close < 0) return null;
    i = close + 1;
    while (s[i] === " ") i++;
  }
  if (s[i] !== ")") return null;
  return { url, end: i + 1 };
}

const BARE_URL = /^(?:https?:\/\/|mailto:)[^\s<>"']*[^\s<>"'.,;:!?)\]}*_~]/i;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Where the emphasis run of `delim` opened at `from` closes, or -1. */
function closingDelimiter(s: string, from: number, delim: string): number {
  let i = from;
  for (;;) {
    const at = s.indexOf(delim, i);
    if (at < 0) return -1;
    if (s[at - 1] === "\\") {
      i = at + 1;
      continue;
    }
    const before = s[at - 1];
    const after = s[at + delim.length];
    const flanking = at > from && before !== undefined && !/\s/.test(before);
    const wordEnd = delim[0] !== "_" || !isWordChar(after);
    // `**a**b` closes at the first run; never inside a longer run of the same char.
    if (flanking && wordEnd && after !== delim[0]) return at;
    i = at + 1;
  }
}

function parseInline(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ t: "text", v: text });
    text = "";
  };
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === "\\" && i + 1 < s.length && ESCAPABLE.test(s[i + 1])) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (ch === "\\" && s[i + 1] === "\n") {
      flush();
      out.push({ t: "br" });
      i += 2;
      continue;
    }
    if (ch === "\n") {
      text = text.replace(/ +$/, "");
      flush();
      out.push({ t: "br" });
      i++;
      while (s[i] === " ") i++;
      continue;
    }
    if (ch === "`") {
      const run = /^`+/.exec(s.slice(i))![0];
      const close = s.indexOf(run, i + run.length);
      if (close >= 0 && s[close + run.length] !== "`") {
        flush();
        let code = s.slice(i + run.length, close).replace(/\n/g, " ");
        if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ")) code = code.slice(1, -1);
        out.push({ t: "code", v: code });
        i = close + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    const image = ch === "!" && s[i + 1] === "[";
    if (ch === "[" || image) {
      const open = image ? i + 1 : i;
      const close = closingBracket(s, open);
      const target = close >= 0 ? linkTarget(s, close + 1) : null;
      if (target) {
        flush();
        const label = s.slice(open + 1, close);
        const href = safeHref(target.url);
        const inner = depth < MAX_DEPTH ? parseInline(label, depth + 1) : [{ t: "text" as const, v: label }];
        if (image) {
          // Never fetched: a link named after the image's alt text (or its address).
          const shown: Inline[] = label.trim() ? inner : [{ t: "text", v: target.url }];
          if (href) out.push({ t: "link", href, c: shown, image: true });
          else out.push(...shown);
        } else if (href) out.push({ t: "link", href, c: inner });
        else out.push(...inner);
        i = target.end;
        continue;
      }
    }
    if (ch === "<") {
      const auto = /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(s.slice(i));
      const href = auto && safeHref(auto[1]);
      if (auto && href) {
        flush();
        out.push({ t: "link", href, c: [{ t: "text", v: auto[1] }] });
        i += auto[0].length;
        continue;
      }
    }
    if ((ch === "h" || ch === "H" || ch === "m" || ch === "M") && !isWordChar(s[i - 1])) {
      const bare = BARE_URL.exec(s.slice(i));
      const href = bare && safeHref(bare[0]);
      if (bare && href) {
        flush();
        out.push({ t: "link", href, c: [{ t: "text", v: bare[0] }] });
        i += bare[0].length;
        continue;
      }
    }
    if (ch === "*" || ch === "_" || ch === "~") {
      const run = s.slice(i).match(ch === "~" ? /^~+/ : ch === "*" ? /^\*+/ : /^_+/)![0];
      const opensWord = !(ch === "_" && isWordChar(s[i - 1]));
      const next = s[i + run.length];
      if (opensWord && next !== undefined && !/\s/.test(next) && depth < MAX_DEPTH) {
        const kinds: Array<[string, "strong" | "em" | "del"]> =
          ch === "~" ? [["~~", "del"]] : run.length >= 2 ? [[ch + ch, "strong"], [ch, "em"]] : [[ch, "em"]];
        let matched = false;
        for (const [delim, kind] of kinds) {
          if (run.length < delim.length) continue;
          const start = i + delim.length;
          const close = closingDelimiter(s, start, delim);
          if (close > start) {
            flush();
            out.push({ t: kind, c: parseInline(s.slice(start, close), depth + 1) });
            i = close + delim.length;
            matched = true;
            break;
          }
        }
        if (matched) continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    text += ch;
    i++;
  }
  flush();
  return out;
}
