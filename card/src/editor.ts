// The card's visual editor: Home Assistant's own ha-form with three fields.

import { html, LitElement, type TemplateResult } from "lit";

import { localize, type StringKey } from "./strings";
import type { CardConfig, Hass } from "./types";

const LABELS: Record<string, StringKey> = {
  title: "editor_title",
  machines: "editor_machines",
  idle_count: "editor_idle_count",
};

export const EDITOR_SCHEMA = [
  { name: "title", selector: { text: {} } },
  {
    name: "machines",
    selector: {
      device: { multiple: true, filter: [{ integration: "opencode_lookout", model: "OpenCode Lookout agent" }] },
    },
  },
  { name: "idle_count", selector: { number: { min: 0, max: 50, mode: "box" } } },
];

export class OpenCodeLookoutCardEditor extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
  };

  declare hass?: Hass;
  declare _config?: CardConfig;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected render(): TemplateResult {
    if (!this.hass || !this._config) return html``;
    const language = this.hass.locale?.language ?? this.hass.language;
    return html`
      <ha-form
        .hass=${this.hass}
        .data=${this._config}
        .schema=${EDITOR_SCHEMA}
        .computeLabel=${(field: { name: string }) => localize(language, LABELS[field.name] ?? "title")}
        @value-changed=${this._changed}
      ></ha-form>
    `;
  }

  private _changed(ev: CustomEvent<{ value: CardConfig }>): void {
    ev.stopPropagation();
    const config = { ...ev.detail.value };
    // Empty fields mean "the default": keep the YAML short.
    for (const key of ["title", "machines"] as const) {
      const value = config[key];
      if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) delete config[key];
    }
    this._config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}
