// The card's strings, keyed by hass.locale.language; English is the fallback.

const en = {
  title: "OpenCode sessions",
  no_sessions: "No sessions",
  no_machines: "No OpenCode Lookout agent is set up",
  offline: "Agent offline",
  connecting: "Connecting…",
  more_idle: "{count} more idle",
  waiting_count: "{count} waiting",
  state_idle: "Idle",
  state_working: "Working",
  state_waiting_permission: "Needs permission",
  state_waiting_input: "Has a question",
  state_error: "Error",
  session_offline: "Offline",
  approve: "Approve",
  always: "Always",
  reject: "Reject",
  abort: "Abort",
  send: "Send",
  reason: "Reason (optional, sent to the model)",
  answer: "Your answer",
  always_allows: "Always allows",
  asked_by: "Asked by {agent}",
  sub_agent: "sub-agent {agent}",
  read_only: "Read only: an administrator can allow you to steer in the integration's options.",
  expand: "Show details of {title}",
  collapse: "Hide details of {title}",
  messages: "Last messages",
  no_messages: "No messages",
  loading: "Loading…",
  tokens: "Tokens",
  tokens_detail: "{input} in, {output} out, {cache} cache",
  context: "Context",
  files: "Files changed",
  files_detail: "{files} (+{added} −{removed})",
  cost: "Cost",
  untitled: "Untitled session",
  error_action: "Failed: {message}",
  editor_title: "Title",
  editor_machines: "Machines (all when empty)",
  editor_idle_count: "Idle sessions shown per machine",
};

export type StringKey = keyof typeof en;

const de: Partial<Record<StringKey, string>> = {
  title: "OpenCode-Sitzungen",
  no_sessions: "Keine Sitzungen",
  no_machines: "Kein OpenCode-Lookout-Agent eingerichtet",
  offline: "Agent offline",
  connecting: "Verbinde…",
  more_idle: "{count} weitere inaktiv",
  waiting_count: "{count} warten",
  state_idle: "Inaktiv",
  state_working: "Arbeitet",
  state_waiting_permission: "Braucht Erlaubnis",
  state_waiting_input: "Hat eine Frage",
  state_error: "Fehler",
  session_offline: "Offline",
  approve: "Erlauben",
  always: "Immer",
  reject: "Ablehnen",
  abort: "Abbrechen",
  send: "Senden",
  reason: "Begründung (optional, geht an das Modell)",
  answer: "Deine Antwort",
  always_allows: "Immer erlaubt",
  asked_by: "Gefragt von {agent}",
  sub_agent: "Sub-Agent {agent}",
  read_only: "Nur lesen: ein Administrator kann dir das Steuern in den Optionen der Integration erlauben.",
  expand: "Details von {title} zeigen",
  collapse: "Details von {title} verbergen",
  messages: "Letzte Nachrichten",
  no_messages: "Keine Nachrichten",
  loading: "Lade…",
  tokens: "Tokens",
  context: "Kontext",
  files: "Geänderte Dateien",
  cost: "Kosten",
  untitled: "Sitzung ohne Titel",
  error_action: "Fehlgeschlagen: {message}",
  editor_title: "Titel",
  editor_machines: "Rechner (leer: alle)",
  editor_idle_count: "Gezeigte inaktive Sitzungen je Rechner",
};

export const STRINGS: Record<string, Partial<Record<StringKey, string>>> = { en, de };

/** The string in the user's language (or English), with {placeholders} filled in. */
export function localize(language: string | undefined, key: StringKey, vars: Record<string, string | number> = {}): string {
  const lang = (language ?? "en").toLowerCase();
  const table = STRINGS[lang] ?? STRINGS[lang.split("-")[0]] ?? en;
  const text = table[key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}
