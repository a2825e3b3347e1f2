import { describe, it } from "node:test";

import { expect } from "./expect";

import { hassChangeMatters, language } from "../src/hass";
import type { Hass } from "../src/types";

function hass(overrides: Partial<Hass> = {}): Hass {
  return {
    connection: { subscribeMessage: () => Promise.resolve(async () => undefined) },
    locale: { language: "en" },
    language: "en",
    callService: () => Promise.resolve(undefined),
    callWS: <T>() => Promise.resolve(undefined as T),
    ...overrides,
  };
}

describe("hassChangeMatters", () => {
  const base = hass();

  it("ignores a new hass object that only carries other entities' states", () => {
    expect(hassChangeMatters(base, { ...base, themes: { darkMode: true } })).toBe(false);
    expect(hassChangeMatters(base, { ...base })).toBe(false);
  });

  it("redraws for a new language or a new connection", () => {
    expect(hassChangeMatters(base, { ...base, locale: { language: "de" } })).toBe(true);
    expect(hassChangeMatters(hass({ locale: undefined }), hass({ locale: undefined, language: "de" }))).toBe(true);
    expect(hassChangeMatters(base, { ...base, connection: hass().connection })).toBe(true);
  });

  it("redraws when hass arrives or goes", () => {
    expect(hassChangeMatters(undefined, base)).toBe(true);
    expect(hassChangeMatters(base, undefined)).toBe(true);
    expect(hassChangeMatters(undefined, undefined)).toBe(false);
  });
});

describe("language", () => {
  it("prefers the user's profile over the server's language", () => {
    expect(language(hass({ locale: { language: "de" }, language: "en" }))).toBe("de");
    expect(language(hass({ locale: undefined, language: "fr" }))).toBe("fr");
    expect(language(undefined)).toBe(undefined);
  });
});
