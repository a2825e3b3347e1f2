// custom:opencode-lookout-card: every OpenCode session at a glance, answered in one tap.

import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";

import { replyPermission, replyQuestion, requestText, rowActions, subAgent } from "./actions";
import { contextPercent, formatCost, formatTokens, planProgress, timeInState } from "./format";
import { hassChangeMatters, language } from "./hass";
import { renderMarkdown } from "./markdown-view";
import { applyMessage } from "./state";
import { localize, type StringKey } from "./strings";
import { cardStyles } from "./styles";
import { isWaiting, keepOrder, triage, waitingCount, type MachineGroup } from "./triage";
import type { CardConfig, Hass, Machine, Message, Permission, Question, Session, SubscriptionMessage } from "./types";

export const DOMAIN = "opencode_lookout";
export const SUBSCRIBE = `${DOMAIN}/subscribe`;
const MESSAGE_LIMIT = 10;
/**
 * How long a row the user just answered stays where it was, drawn as answered, before
 * it sorts to its new place: the list does not move under the finger, and a second tap
 * lands on no button of the next request.
 */
export const HOLD_MS = 3000;

const STATE_ICONS: Record<string, string> = {
  idle: "mdi:sleep",
  working: "mdi:cog-play",
  waiting_permission: "mdi:shield-alert",
  waiting_input: "mdi:chat-question",
  error: "mdi:alert-circle",
};

/** Icons of the plan item statuses OpenCode uses; others show as pending. */
const PLAN_STATUSES: Record<string, string> = {
  pending: "mdi:checkbox-blank-circle-outline",
  in_progress: "mdi:progress-clock",
  completed: "mdi:check-circle-outline",
  cancelled: "mdi:close-circle-outline",
};

type MessagesView = Message[] | "loading" | { error: string };

/** A row held in place after an answer (see HOLD_MS). */
interface Held {
  /** Its height when answered (px): rows below stay put too. */
  height: number;
  note: StringKey;
  answer?: string;
  permission?: Permission;
  question?: Question;
}

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
    _held: { state: true },
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
  declare _held: Map<string, Held>;

  private _unsubscribe?: Promise<() => Promise<void>>;
  private _subscribedTo?: unknown;
  private _timer?: ReturnType<typeof setInterval>;
  private _holdTimer?: ReturnType<typeof setTimeout>;
  // Typed reasons and answers survive re-renders (keyed by permission/question id).
  private _drafts = new Map<string, string>();
  // The order each machine's rows were last drawn in (kept while a row is held).
  private _order = new Map<string, string[]>();

  constructor() {
    super();
    this._config = { type: `custom:opencode-lookout-card` };
    this._machines = null;
    this._now = Date.now();
    this._expanded = new Set();
    this._busy = new Set();
    this._errors = new Map();
    this._messages = new Map();
    this._held = new Map();
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
    clearTimeout(this._holdTimer);
    this._held = new Map();
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

  /** Run one call for a row (`key`), marking it busy and showing its error there. */
  private async _run(key: string, call: (hass: Hass) => Promise<unknown>): Promise<unknown> {
    const hass = this.hass;
    if (!hass) return undefined;
    this._busy = new Set(this._busy).add(key);
    const errors = new Map(this._errors);
    errors.delete(key);
    this._errors = errors;
    try {
      return await call(hass);
    } catch (err) {
      this._errors = new Map(this._errors).set(key, errorText(err));
      throw err;
    } finally {
      const busy = new Set(this._busy);
      busy.delete(key);
      this._busy = busy;
    }
  }

  /** Call an action that carries no typed text (abort, read messages). */
  private _call(key: string, service: string, data: Record<string, unknown>): Promise<unknown> {
    return this._run(key, (hass) => hass.callService(DOMAIN, service, data, undefined, false, service === "get_messages"));
  }

  /**
   * Keep the row of `event`'s control where it is, drawn as answered. All held rows are
   * let go together, HOLD_MS after the last answer: answering row after row, nothing
   * moves until the user stops.
   */
  private _hold(session: Session, event: Event, held: Omit<Held, "height">): void {
    const row = (event.currentTarget as HTMLElement | null)?.closest?.("li.row") as HTMLElement | null | undefined;
    this._held = new Map(this._held).set(session.id, { ...held, height: row?.offsetHeight ?? 0 });
    clearTimeout(this._holdTimer);
    this._holdTimer = setTimeout(() => (this._held = new Map()), HOLD_MS);
  }

  /** The answer failed: show the row as it is (with the error) at once. */
  private _release(sessionId: string): void {
    if (!this._held.has(sessionId)) return;
    const held = new Map(this._held);
    held.delete(sessionId);
    this._held = held;
  }

  private _replyPermission(session: Session, permission: Permission, reply: "once" | "always" | "reject", event: Event): void {
    const reason = this._drafts.get(permission.id);
    const note = reply === "once" ? "answered_once" : reply === "always" ? "answered_always" : "answered_reject";
    this._hold(session, event, { note, permission });
    this._run(session.id, (hass) => replyPermission(hass, session, permission, reply, reason)).then(
      () => this._drafts.delete(permission.id),
      () => this._release(session.id),
    );
  }

  private _replyQuestion(session: Session, question: Question, answer: string | null, event: Event): void {
    this._hold(session, event, { note: answer === null ? "answered_dismissed" : "answered_question", answer: answer ?? undefined, question });
    this._run(session.id, (hass) => replyQuestion(hass, session, answer)).then(
      () => this._drafts.delete(question.id),
      () => this._release(session.id),
    );
  }

  private _abort(session: Session, event: Event): void {
    this._hold(session, event, { note: "abort_sent" });
    this._call(session.id, "abort_session", { device_id: session.device_id }).catch(() => this._release(session.id));
  }

  private async _loadMessages(session: Session): Promise<void> {
    this._messages = new Map(this._messages).set(session.id, "loading");
    noDnsPrefetch();
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
    // While a row the user answered is held, no row moves (see HOLD_MS).
    const holding = group.sessions.some((s) => this._held.has(s.id));
    const sessions = holding ? keepOrder(group.sessions, this._order.get(machine.entry_id)) : group.sessions;
    this._order.set(
      machine.entry_id,
      sessions.map((s) => s.id),
    );
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
        ${sessions.length === 0
          ? html`<div class="empty">${this._t("no_sessions")}</div>`
          : html`<ul>
              ${repeat(
                sessions,
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
    const progress = planProgress(session);
    const detailsId = `details-${session.id}`;
    const stateLabel = online ? this._t(`state_${session.state}` as StringKey) : this._t("session_offline");
    const held = this._held.get(session.id);
    return html`
      <li
        class="row ${isWaiting(session) ? "waiting" : ""} ${held ? "held" : ""}"
        data-session=${session.id}
        data-state=${session.state}
        style=${held?.height ? `min-height: ${held.height}px` : nothing}
      >
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
            ${progress
              ? html`<span class="progress" title=${this._t("plan_progress", { done: session.todo_done, total: session.todo_total })}
                  ><ha-icon icon="mdi:format-list-checks"></ha-icon>${progress}</span
                >`
              : nothing}
            ${cost ? html`<span>${cost}</span>` : nothing}
            ${agent ? html`<span class="subagent">${this._t("sub_agent", { agent })}</span>` : nothing}
          </span>
        </button>
        ${held
          ? this._renderHeld(held)
          : this._renderRequest(session, actions.permission, actions.question, agent, machine.can_steer && online)}
        ${actions.abort && !held
          ? html`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(session.id)} @click=${(e: Event) => this._abort(session, e)}>
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
      const text = requestText(p);
      return html`
        <div class="request">
          <h4>${text.heading}</h4>
          ${askedBy(p.session_id)}
          <pre class="command" aria-label=${p.permission}>${commandWords(text.body)}</pre>
          ${p.always.length
            ? html`<div class="small">${this._t("always_allows")}: <code>${p.always.join(", ")}</code></div>`
            : nothing}
          ${canSteer && permission
            ? html`<div class="actions">
                <button class="action primary" ?disabled=${busy} @click=${(e: Event) => this._replyPermission(session, p, "once", e)}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${busy} @click=${(e: Event) => this._replyPermission(session, p, "always", e)}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${reasonId}
                  aria-label=${this._t("reason")}
                  title=${this._t("reason")}
                  placeholder=${this._t("reason_placeholder")}
                  .value=${this._drafts.get(p.id) ?? ""}
                  @input=${(e: Event) => this._drafts.set(p.id, (e.target as HTMLInputElement).value)}
                  @keydown=${(e: KeyboardEvent) => e.key === "Enter" && this._replyPermission(session, p, "reject", e)}
                />
                <button class="action danger" ?disabled=${busy} @click=${(e: Event) => this._replyPermission(session, p, "reject", e)}>
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
                          @click=${(e: Event) => this._replyQuestion(session, q, option.label, e)}
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
                  @keydown=${(e: KeyboardEvent) => e.key === "Enter" && this._sendTyped(session, q, e)}
                />
                <button class="action primary" ?disabled=${busy} @click=${(e: Event) => this._sendTyped(session, q, e)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${busy} @click=${(e: Event) => this._replyQuestion(session, q, null, e)}>
                  ${this._t("reject")}
                </button>
              </div>`
            : nothing}
        </div>
      `;
    }
    return nothing;
  }

  private _sendTyped(session: Session, question: Question, event: Event): void {
    const answer = this._drafts.get(question.id)?.trim();
    if (answer) this._replyQuestion(session, question, answer, event);
  }

  /** A row just answered: what was asked, and what the user answered, in the same place. */
  private _renderHeld(held: Held): TemplateResult {
    const text = held.permission ? requestText(held.permission) : null;
    return html`
      <div class="request answered">
        ${text ? html`<h4>${text.heading}</h4><pre class="command">${commandWords(text.body)}</pre>` : nothing}
        ${held.question ? held.question.questions.map((item) => html`<h4>${item.question}</h4>`) : nothing}
        <div class="answered-note" role="status">
          <ha-icon icon="mdi:check-circle-outline"></ha-icon>
          <span>${this._t(held.note, { answer: held.answer ?? "" })}</span>
        </div>
      </div>
    `;
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
      ${session.todo.length ? this._renderPlan(session) : nothing}
      ${session.error ? html`<div class="error-text">${session.error.name}: ${session.error.message}</div>` : nothing}
      ${canRead ? this._renderMessages(messages) : nothing}
    `;
  }

  /** The plan's items, text only, with their status as an icon. */
  private _renderPlan(session: Session): TemplateResult {
    return html`
      <div class="plan-title">
        ${session.todo_total
          ? this._t("plan_progress", { done: session.todo_done, total: session.todo_total })
          : this._t("plan")}
      </div>
      <ol class="plan">
        ${session.todo.map(
          (item) => html`<li class="todo ${PLAN_STATUSES[item.status] ? item.status : "pending"}">
            <ha-icon icon=${PLAN_STATUSES[item.status] ?? PLAN_STATUSES.pending}></ha-icon><span>${item.content}</span>
          </li>`,
        )}
      </ol>
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
            ${renderMarkdown(m.text, { image: this._t("image") })}
          </div>
        `,
      );
    return html`<h4>${this._t("messages")}</h4>
      ${body}`;
  }
}

/**
 * Messages hold links, and on a page served over http Chromium looks up the host of
 * every link as soon as it is drawn: a model could name a host that carries a secret.
 * The page's DNS prefetching is turned off before the first message is drawn.
 */
function noDnsPrefetch(): void {
  if (document.head.querySelector('meta[http-equiv="x-dns-prefetch-control" i][content="off" i]')) return;
  const meta = document.createElement("meta");
  meta.httpEquiv = "x-dns-prefetch-control";
  meta.content = "off";
  document.head.append(meta);
}

/**
 * A command drawn word by word: a line breaks between words (the spaces of the command),
 * never inside a flag such as `--force`; only a word wider than the line wraps inside.
 */
function commandWords(text: string): Array<TemplateResult | string> {
  return text.split(/(\s+)/).map((part, i) => (i % 2 || !part ? part : html`<span class="word">${part}</span>`));
}

function errorText(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}
