// What the card receives over `opencode_lookout/subscribe` (docs/card.md) and the
// small part of Home Assistant's `hass` object it uses.

export type State =
  | "idle"
  | "working"
  | "waiting_permission"
  | "waiting_input"
  | "error";

export interface Permission {
  id: string;
  session_id: string;
  permission: string;
  patterns: string[];
  always: string[];
  title: string;
  created: string;
}

export interface QuestionOption {
  label: string;
  description: string;
}

export interface QuestionItem {
  question: string;
  header: string;
  multiple: boolean;
  options: QuestionOption[];
}

export interface Question {
  id: string;
  session_id: string;
  created: string;
  questions: QuestionItem[];
}

/** A root session as the agent sends it (schema 3), plus what Home Assistant adds. */
/** One item of a session's plan; status and priority as OpenCode says them. */
export interface TodoItem {
  content: string;
  status: string;
  priority: string;
}

export interface Session {
  id: string;
  title: string | null;
  directory: string | null;
  project: string | null;
  state: State;
  model: string | null;
  agent: string | null;
  current_agent: string | null;
  current_tool: string | null;
  tokens_input: number;
  tokens_output: number;
  tokens_reasoning: number;
  tokens_cache_read: number;
  tokens_cache_write: number;
  cost: number;
  cost_total: number;
  context_used: number | null;
  context_limit: number | null;
  files_changed: number;
  lines_added: number;
  lines_removed: number;
  /** The plan (OpenCode's todo list), in OpenCode's order; empty without one. */
  todo: TodoItem[];
  /** Plan items completed, and items not cancelled: the "3/7" of the row. */
  todo_done: number;
  todo_total: number;
  created: string | null;
  last_activity: string;
  pending_permissions: Permission[];
  question: Question | null;
  error: { name: string; message: string } | null;
  available: boolean;
  /** Home Assistant's device of the session: the target of every action. */
  device_id: string | null;
  /** When Home Assistant first saw the session in its current state. */
  state_since: string;
}

export interface Machine {
  entry_id: string;
  device_id: string | null;
  name: string;
  /** False while Home Assistant has no connection to the agent. */
  available: boolean;
  /** Whether the user of this websocket may answer, abort and read messages. */
  can_steer: boolean;
  sessions: Session[];
}

/** Messages of the subscription: the full state first, then changes. */
export type SubscriptionMessage =
  | { type: "snapshot"; machines: Machine[] }
  | { type: "machine"; machine: Omit<Machine, "sessions"> }
  | { type: "machine_removed"; entry_id: string }
  | { type: "session"; entry_id: string; session: Session }
  | { type: "session_removed"; entry_id: string; session_id: string };

export interface Message {
  id: string;
  role: string;
  agent: string | null;
  created: string;
  text: string;
  truncated: boolean;
}

export interface CardConfig {
  type: string;
  title?: string;
  /** Machine device ids to show; all machines when empty. */
  machines?: string[];
  /** How many idle (or errored) sessions each machine shows, newest first. */
  idle_count?: number;
}

export interface HassConnection {
  subscribeMessage<T>(
    callback: (message: T) => void,
    message: Record<string, unknown>,
  ): Promise<() => Promise<void>>;
}

export interface Hass {
  connection: HassConnection;
  locale?: { language: string };
  language?: string;
  themes?: { darkMode?: boolean };
  callService(
    domain: string,
    service: string,
    data?: Record<string, unknown>,
    target?: Record<string, unknown>,
    notifyOnError?: boolean,
    returnResponse?: boolean,
  ): Promise<{ response?: unknown } | unknown>;
  callWS<T>(message: Record<string, unknown>): Promise<T>;
}
