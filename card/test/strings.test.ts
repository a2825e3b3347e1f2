import { describe, it } from "node:test";

import { expect } from "./expect";

import { localize, STRINGS } from "../src/strings";
import { golden } from "./fixtures";

describe("strings", () => {
  it("has a label for every state of the protocol", () => {
    for (const state of golden("constants.json").states as string[]) {
      expect(Object.keys(STRINGS.en)).toContain(`state_${state}`);
    }
  });

  it("translations only use keys English has", () => {
    for (const [lang, table] of Object.entries(STRINGS)) {
      for (const key of Object.keys(table)) expect(STRINGS.en, `${lang}.${key}`).toHaveProperty(key);
    }
  });

  it("picks the user's language, its base language, or English", () => {
    expect(localize("de", "approve")).toBe("Erlauben");
    expect(localize("de-CH", "approve")).toBe("Erlauben");
    expect(localize("fr", "approve")).toBe("Approve");
    expect(localize(undefined, "approve")).toBe("Approve");
    // A key German lacks falls back to English.
    expect(localize("de", "tokens_detail", { input: 1, output: 2, cache: 3 })).toBe("1 in, 2 out, 3 cache");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(localize("en", "waiting_count", { count: 3 })).toBe("3 waiting");
    expect(localize("en", "waiting_count")).toBe("{count} waiting");
  });
});
