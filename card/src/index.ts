// Entry point of the bundle: define the elements and list the card in the picker.

import { OpenCodeLookoutCard } from "./card";
import { OpenCodeLookoutCardEditor } from "./editor";

const CARD = "opencode-lookout-card";

// Home Assistant may load the module twice (resource + integration): define once.
if (!customElements.get(CARD)) customElements.define(CARD, OpenCodeLookoutCard);
if (!customElements.get(`${CARD}-editor`)) customElements.define(`${CARD}-editor`, OpenCodeLookoutCardEditor);

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
