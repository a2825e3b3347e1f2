// Entry point of the bundle: define the elements and list the card in the picker.

import { OpenCodeLookoutCard } from "./card";
import { OpenCodeLookoutCardEditor } from "./editor";

const CARD = "opencode-lookout-card";

function defineElements(): void {
  // Home Assistant may load the module twice (resource + integration): define once.
  if (!customElements.get(CARD)) customElements.define(CARD, OpenCodeLookoutCard);
  if (!customElements.get(`${CARD}-editor`)) customElements.define(`${CARD}-editor`, OpenCodeLookoutCardEditor);
}

// Home Assistant's app replaces window.customElements with a scoped-registry polyfill
// when it boots, and this module may run first (extra modules load in parallel with the
// app): a definition made then lands in the native registry, which Home Assistant no
// longer reads, and the card shows "Configuration error". So on Home Assistant's page,
// wait for the polyfill (giving up after 30 s, e.g. a future frontend without it).
const POLYFILL_WAIT_MS = 30_000;
const page = window as unknown as { CustomElementRegistryPolyfill?: unknown };
if (page.CustomElementRegistryPolyfill || !document.querySelector("home-assistant")) {
  defineElements();
} else {
  const started = Date.now();
  const timer = setInterval(() => {
    if (page.CustomElementRegistryPolyfill || Date.now() - started > POLYFILL_WAIT_MS) {
      clearInterval(timer);
      defineElements();
    }
  }, 20);
}

interface CustomCardEntry {
  type: string;
  name: string;
  description: string;
  preview?: boolean;
  documentationURL?: string;
}

const registry = window as unknown as { customCards?: CustomCardEntry[] };
registry.customCards ??= [];
if (!registry.customCards.some((c) => c.type === CARD)) {
  registry.customCards.push({
    type: CARD,
    name: "OpenCode Lookout",
    description: "Every OpenCode session at a glance: answer permissions and questions in one tap.",
    preview: true,
    documentationURL: "https://github.com/opencode-lookout/opencode-lookout/blob/main/docs/card.md",
  });
}
