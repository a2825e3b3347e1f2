// custom:opencode-lookout-card: every OpenCode session at a glance, answered in one tap.

import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";

import { rowActions, subAgent } from "./actions";
import { contextPercent, formatCost, formatTokens, timeInState } from "./format";
import { hassChangeMatters, language } from "./hass";
import { applyMessage } from "./state";
import { localize, type StringKey } from "./strings";
import { cardStyles } from "./styles";
import { isWaiting, triage, waitingCount, type MachineGroup } from "./triage";
import type { CardConfig, Hass, Machine, Message, Permission, Question, Session, SubscriptionMessage } from "./types";

export const DOMAIN = "opencode_lookout";
export const SUBSCRIBE = `${DOMAIN}/subscribe`;
const MESSAGE_LIMIT = 10;

const STATE_ICONS: Record<string, string> = {
  idle: "mdi:sleep",
  working: "mdi:cog-play",
  waiting_permission: "mdi:shield-alert",
  waiting_input: "mdi:chat-question",
  error: "mdi:alert-circle",
};

type MessagesView = Message[] | "loading" | { error: string };

export class OpenCodeLookoutCard extends LitElement {
  static styles = cardStyles;

  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _machines: { state: true },
    _now: { state: true },
    _expanded: { state: true },
    _busy: { state: true },
    _errors: { state: true },
    _messages: { state: true },
  };

  declare hass?: Hass;
  declare _config: CardConfig;
  // null until the first snapshot arrives.
  declare _machines: Machine[] | null;
  declare _now: number;
  declare _expanded: Set<string>;
  declare _busy: Set<string>;
  declare _errors: Map<string, string>;
  declare _messages: Map<string, MessagesView>;

  private _unsubscribe?: Promise<() => Promise<void>>;
  private _subscribedTo?: unknown;
  private _timer?: ReturnType<typeof setInterval>;
  // Typed reasons and answers survive re-renders (keyed by permission/question id).
  private _drafts = new Map<string, string>();

  constructor() {
    super();
    this._config = { type: `custom:opencode-lookout-card` };
    this._machines = null;
    this._now = Date.now();
    this._expanded = new Set();
    this._busy = new Set();
    this._errors = new Map();
    this._messages = new Map();
  }

  static getConfigElement(): HTMLElement {
    return document.createElement("opencode-lookout-card-editor");
  }

  static getStubConfig(): Partial<CardConfig> {
    return { idle_count: 5 };
  }

  setConfig(config: CardConfig): void {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.idle_count !== undefined && (typeof config.idle_count !== "number" || config.idle_count < 0)) {
      throw new Error("idle_count must be a number ≥ 0");
    }
    if (config.machines !== undefined && !Array.isArray(config.machines)) {
      throw new Error("machines must be a list of device ids");
    }
    this._config = config;
  }

  getCardSize(): number {
    const rows = this._machines?.reduce((n, m) => n + m.sessions.length, 0) ?? 1;
    return 1 + Math.min(rows, 10);
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, min_rows: 2 };
  }

  connectedCallback(): void {
    super.connectedCallback();
    this._timer = setInterval(() => (this._now = Date.now()), 1000);
    this._subscribe();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this._timer);
    this._unsubscribeNow();
  }

  protected shouldUpdate(changed: PropertyValues): boolean {
    if (!changed.has("hass")) return true;
    this._subscribe();
    // A new hass object comes with every state change anywhere in Home Assistant.
    return changed.size > 1 || hassChangeMatters(changed.get("hass") as Hass | undefined, this.hass);
  }

  private _t(key: StringKey, vars?: Record<string, string | number>): string {
    return localize(language(this.hass), key, vars);
  }

  private _subscribe(): void {
    const connection = this.hass?.connection;
    if (!connection || !this.isConnected || this._subscribedTo === connection) return;
    this._unsubscribeNow();
    this._subscribedTo = connection;
    this._unsubscribe = connection.subscribeMessage<SubscriptionMessage>(
      (message) => {
        this._machines = applyMessage(this._machines ?? [], message);
      },
      { type: SUBSCRIBE },
    );
    this._unsubscribe.catch((err: unknown) => {
      this._subscribedTo = undefined;
      this._machines = [];
      this._errors = new Map(this._errors).set("card", errorText(err));
    });
  }

  private _unsubscribeNow(): void {
    const pending = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    pending?.then((unsub) => unsub()).catch(() => undefined);
  }

  // ------------------------------------------------------------------ actions

  private async _call(key: string, service: string, data: Record<string, unknown>): Promise<unknown> {
    if (!this.hass) return undefined;
    this._busy = new Set(this._busy).add(key);
    const errors = new Map(this._errors);
    errors.delete(key);
    this._errors = errors;
    try {
      const result = await this.hass.callService(DOMAIN, service, data, undefined, false, service === "get_messages");
      return result;
    } catch (err) {
      this._errors = new Map(this._errors).set(key, errorText(err));
      throw err;
    } finally {
      const busy = new Set(this._busy);
      busy.delete(key);
      this._busy = busy;
    }
  }

  private _replyPermission(session: Session, permission: Permission, reply: "once" | "always" | "reject"): void {
    const data: Record<string, unknown> = { device_id: session.device_id, permission_id: permission.id, reply };
    const reason = this._drafts.get(permission.id)?.trim();
    if (reply === "reject" && reason) data.message = reason;
    this._call(session.id, "reply_permission", data).then(
      () => this._drafts.delete(permission.id),
      () => undefined,
    );
  }

  private _replyQuestion(session: Session, question: Question, answer: string | null): void {
    const data: Record<string, unknown> = { device_id: session.device_id };
    if (answer === null) data.reject = true;
    else data.answer = answer;
    this._call(session.id, "reply_question", data).then(
      () => this._drafts.delete(question.id),
      () => undefined,
    );
  }

  private _abort(session: Session): void {
    this._call(session.id, "abort_session", { device_id: session.device_id }).catch(() => undefined);
  }

  private async _loadMessages(session: Session): Promise<void> {
    this._messages = new Map(this._messages).set(session.id, "loading");
    await ensureMarkdown();
    let view: MessagesView;
    try {
      const result = (await this._call(`${session.id}:messages`, "get_messages", {
        device_id: session.device_id,
        limit: MESSAGE_LIMIT,
      })) as { response?: { messages?: Message[] } } | undefined;
      view = result?.response?.messages ?? [];
    } catch (err) {
      view = { error: errorText(err) };
    }
    this._messages = new Map(this._messages).set(session.id, view);
  }

  private _toggle(session: Session, canRead: boolean): void {
    const expanded = new Set(this._expanded);
    if (expanded.has(session.id)) {
      expanded.delete(session.id);
    } else {
      expanded.add(session.id);
      if (canRead) void this._loadMessages(session);
    }
    this._expanded = expanded;
  }

  // ------------------------------------------------------------------ render

  protected render(): TemplateResult {
    const groups = this._machines === null ? null : triage(this._machines, this._config);
    const waiting = groups ? waitingCount(groups) : 0;
    return html`
      <ha-card>
        <div class="header">
          <h2>${this._config.title ?? this._t("title")}</h2>
          <span aria-live="polite">
            ${waiting ? html`<span class="badge">${this._t("waiting_count", { count: waiting })}</span>` : nothing}
          </span>
        </div>
        ${this._errors.has("card") ? html`<div class="empty error-text" role="alert">${this._errors.get("card")}</div>` : nothing}
        ${groups === null
          ? html`<div class="empty">${this._t("connecting")}</div>`
          : groups.length === 0
            ? html`<div class="empty">${this._t("no_machines")}</div>`
            : groups.map((group) => this._renderMachine(group))}
      </ha-card>
    `;
  }

  private _renderMachine(group: MachineGroup): TemplateResult {
    const { machine } = group;
    const headingId = `machine-${machine.entry_id}`;
    return html`
      <section class="machine" aria-labelledby=${headingId}>
        <h3 class="machine-name" id=${headingId}>
          <span>${machine.name}</span>
          ${machine.available
            ? nothing
            : html`<span class="chip offline"><ha-icon icon="mdi:lan-disconnect"></ha-icon>${this._t("offline")}</span>`}
        </h3>
        ${machine.can_steer || group.sessions.length === 0
          ? nothing
          : html`<p class="readonly">${this._t("read_only")}</p>`}
        ${group.sessions.length === 0
          ? html`<div class="empty">${this._t("no_sessions")}</div>`
          : html`<ul>
              ${repeat(
                group.sessions,
                (s) => s.id,
                (s) => this._renderRow(machine, s),
              )}
            </ul>`}
        ${group.hidden ? html`<div class="more">${this._t("more_idle", { count: group.hidden })}</div>` : nothing}
      </section>
    `;
  }

  private _renderRow(machine: Machine, session: Session): TemplateResult {
    const actions = rowActions(session, machine.can_steer, machine.available);
    const online = machine.available && session.available;
    const state = online ? session.state : "offline";
    const title = session.title || this._t("untitled");
    const expanded = this._expanded.has(session.id);
    const agent = subAgent(session);
    const cost = formatCost(session.cost_total, language(this.hass));
    const detailsId = `details-${session.id}`;
    const stateLabel = online ? this._t(`state_${session.state}` as StringKey) : this._t("session_offline");
    return html`
      <li class="row ${isWaiting(session) ? "waiting" : ""}" data-session=${session.id} data-state=${session.state}>
        <button
          class="summary"
          aria-expanded=${expanded ? "true" : "false"}
          aria-controls=${detailsId}
          aria-label=${this._t(expanded ? "collapse" : "expand", { title })}
          @click=${() => this._toggle(session, actions.messages)}
        >
          <span class="chip ${state}">
            <ha-icon icon=${online ? (STATE_ICONS[session.state] ?? "mdi:help-circle") : "mdi:lan-disconnect"}></ha-icon>
            ${stateLabel}
          </span>
          <span class="title">${title}</span>
          <span class="since">${timeInState(session.state_since, this._now)}</span>
          <span class="meta">
            ${session.project ? html`<span>${session.project}</span>` : nothing}
            ${session.model ? html`<span>${session.model}</span>` : nothing}
            ${session.current_tool && !session.pending_permissions.length
              ? html`<span class="tool">${session.current_tool}</span>`
              : nothing}
            ${cost ? html`<span>${cost}</span>` : nothing}
            ${agent ? html`<span class="subagent">${this._t("sub_agent", { agent })}</span>` : nothing}
          </span>
        </button>
        ${this._renderRequest(session, actions.permission, actions.question, agent, machine.can_steer && online)}
        ${actions.abort
          ? html`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(session.id)} @click=${() => this._abort(session)}>
                  ${this._t("abort")}
                </button>
              </div>
            </div>`
          : nothing}
        ${this._errors.has(session.id)
          ? html`<div class="request"><div class="error-text" role="alert">${this._t("error_action", { message: this._errors.get(session.id) ?? "" })}</div></div>`
          : nothing}
        <div class="details" id=${detailsId} ?hidden=${!expanded}>
          ${expanded ? this._renderDetails(session, actions.messages) : nothing}
        </div>
      </li>
    `;
  }

  /** What a waiting session asks: always shown in full; buttons only for steerers. */
  private _renderRequest(
    session: Session,
    permission: Permission | null,
    question: Question | null,
    agent: string | null,
    canSteer: boolean,
  ): TemplateResult | typeof nothing {
    const pendingPermission = permission ?? session.pending_permissions[0] ?? null;
    const pendingQuestion = question ?? session.question;
    const busy = this._busy.has(session.id);
    const askedBy = (sessionId: string) =>
      sessionId !== session.id && agent ? html`<div class="small">${this._t("asked_by", { agent })}</div>` : nothing;
    if (pendingPermission) {
      const p = pendingPermission;
      const reasonId = `reason-${p.id}`;
      return html`
        <div class="request">
          <h4>${p.title || p.permission}</h4>
          ${askedBy(p.session_id)}
          <pre aria-label=${p.permission}>${p.patterns.length ? p.patterns.join("\n") : p.title}</pre>
          ${p.always.length
            ? html`<div class="small">${this._t("always_allows")}: <code>${p.always.join(", ")}</code></div>`
            : nothing}
          ${canSteer && permission
            ? html`<div class="actions">
                <button class="action primary" ?disabled=${busy} @click=${() => this._replyPermission(session, p, "once")}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${busy} @click=${() => this._replyPermission(session, p, "always")}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${reasonId}
                  aria-label=${this._t("reason")}
                  placeholder=${this._t("reason")}
                  .value=${this._drafts.get(p.id) ?? ""}
                  @input=${(e: Event) => this._drafts.set(p.id, (e.target as HTMLInputElement).value)}
                  @keydown=${(e: KeyboardEvent) => e.key === "Enter" && this._replyPermission(session, p, "reject")}
                />
                <button class="action danger" ?disabled=${busy} @click=${() => this._replyPermission(session, p, "reject")}>
                  ${this._t("reject")}
                </button>
              </div>`
            : nothing}
        </div>
      `;
    }
    if (pendingQuestion) {
      const q = pendingQuestion;
      const steer = canSteer && question !== null;
      return html`
        <div class="request">
          ${askedBy(q.session_id)}
          ${q.questions.map(
            (item) => html`
              <h4>${item.header ? html`${item.header}: ` : nothing}${item.question}</h4>
              ${steer
                ? html`<div class="actions" role="group" aria-label=${item.question}>
                    ${item.options.map(
                      (option) => html`
                        <button
                          class="action"
                          title=${option.description}
                          ?disabled=${busy}
                          @click=${() => this._replyQuestion(session, q, option.label)}
                        >
                          ${option.label}
                        </button>
                      `,
                    )}
                  </div>`
                : html`<ul class="options">
                    ${item.options.map(
                      (option) =>
                        html`<li>${option.label}${option.description ? html` <span class="small">${option.description}</span>` : nothing}</li>`,
                    )}
                  </ul>`}
            `,
          )}
          ${steer
            ? html`<div class="actions">
                <input
                  type="text"
                  aria-label=${this._t("answer")}
                  placeholder=${this._t("answer")}
                  .value=${this._drafts.get(q.id) ?? ""}
                  @input=${(e: Event) => this._drafts.set(q.id, (e.target as HTMLInputElement).value)}
                  @keydown=${(e: KeyboardEvent) => e.key === "Enter" && this._sendTyped(session, q)}
                />
                <button class="action primary" ?disabled=${busy} @click=${() => this._sendTyped(session, q)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${busy} @click=${() => this._replyQuestion(session, q, null)}>
                  ${this._t("reject")}
                </button>
              </div>`
            : nothing}
        </div>
      `;
    }
    return nothing;
  }

  private _sendTyped(session: Session, question: Question): void {
    const answer = this._drafts.get(question.id)?.trim();
    if (answer) this._replyQuestion(session, question, answer);
  }

  private _renderDetails(session: Session, canRead: boolean): TemplateResult {
    const percent = contextPercent(session.context_used, session.context_limit);
    const messages = this._messages.get(session.id);
    return html`
      <dl>
        <dt>${this._t("tokens")}</dt>
        <dd>
          ${this._t("tokens_detail", {
            input: formatTokens(session.tokens_input),
            output: formatTokens(session.tokens_output),
            cache: formatTokens(session.tokens_cache_read + session.tokens_cache_write),
          })}
        </dd>
        ${percent !== null
          ? html`<dt>${this._t("context")}</dt>
              <dd>${percent} % (${formatTokens(session.context_used ?? 0)} / ${formatTokens(session.context_limit ?? 0)})</dd>`
          : nothing}
        <dt>${this._t("files")}</dt>
        <dd>
          ${this._t("files_detail", {
            files: session.files_changed,
            added: session.lines_added,
            removed: session.lines_removed,
          })}
        </dd>
        ${session.cost_total ? html`<dt>${this._t("cost")}</dt><dd>${formatCost(session.cost_total, language(this.hass))}</dd>` : nothing}
      </dl>
      ${session.error ? html`<div class="error-text">${session.error.name}: ${session.error.message}</div>` : nothing}
      ${canRead ? this._renderMessages(messages) : nothing}
    `;
  }

  private _renderMessages(view: MessagesView | undefined): TemplateResult {
    // Messages that only called tools have no text to show.
    const messages = Array.isArray(view) ? view.filter((m) => m.text.trim()) : view;
    let body: TemplateResult | TemplateResult[];
    if (messages === undefined || messages === "loading") body = html`<div class="small">${this._t("loading")}</div>`;
    else if (!Array.isArray(messages)) body = html`<div class="error-text">${messages.error}</div>`;
    else if (messages.length === 0) body = html`<div class="small">${this._t("no_messages")}</div>`;
    else
      body = messages.map(
        (m) => html`
          <div class="message ${m.role}">
            <div class="who">${m.role}${m.agent ? html` · ${m.agent}` : nothing}</div>
            ${markdown(m.text)}
          </div>
        `,
      );
    return html`<h4>${this._t("messages")}</h4>
      ${body}`;
  }
}

let markdownLoading: Promise<unknown> | undefined;

/**
 * Home Assistant defines ha-markdown lazily (with its markdown card); building one
 * markdown card through the card helpers loads it.
 */
export function ensureMarkdown(): Promise<unknown> {
  if (customElements.get("ha-markdown")) return Promise.resolve();
  const helpers = (window as unknown as { loadCardHelpers?: () => Promise<{ createCardElement(c: object): unknown }> })
    .loadCardHelpers;
  markdownLoading ??= helpers
    ? helpers()
        .then((h) => h.createCardElement({ type: "markdown", content: "" }))
        .then(() => customElements.whenDefined("ha-markdown"))
        .catch(() => undefined)
    : Promise.resolve();
  return markdownLoading;
}

/** Home Assistant's own markdown element when loaded; plain text otherwise. */
function markdown(text: string): TemplateResult {
  if (customElements.get("ha-markdown")) return html`<ha-markdown breaks .content=${text}></ha-markdown>`;
  return html`<div style="white-space: pre-wrap">${text}</div>`;
}

function errorText(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}
