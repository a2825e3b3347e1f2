// What a row offers the user: pure, unit-tested.

import type { Hass, Permission, Question, Session } from "./types";

export interface RowActions {
  /** The permission Approve / Always / Reject answer (the oldest pending one). */
  permission: Permission | null;
  /** The pending question, answered by its options or a typed answer. */
  question: Question | null;
  abort: boolean;
  /** Expanding shows the last messages (reading them is steering too). */
  messages: boolean;
}

export const NO_ACTIONS: RowActions = { permission: null, question: null, abort: false, messages: false };

/**
 * The buttons of a row. Nothing for users who may not steer or while the agent or
 * the session is offline: the integration would refuse those calls anyway.
 */
export function rowActions(session: Session, canSteer: boolean, machineAvailable: boolean): RowActions {
  if (!canSteer || !machineAvailable || !session.available || !session.device_id) return NO_ACTIONS;
  const permission = session.pending_permissions[0] ?? null;
  const question = session.question ?? null;
  return { permission, question, abort: session.state === "working", messages: true };
}

/** Name of the sub-agent that runs or asks, when it is not the session's own agent. */
export function subAgent(session: Session): string | null {
  const permission = session.pending_permissions[0];
  if (permission && permission.session_id !== session.id) return session.current_agent ?? "sub-agent";
  const question = session.question;
  if (question && question.session_id !== session.id) return session.current_agent ?? "sub-agent";
  if (session.current_agent && session.current_agent !== session.agent) return session.current_agent;
  return null;
}

/** What a permission request shows: a heading and the command (or paths) it asks for. */
export interface RequestText {
  heading: string;
  body: string;
}

/**
 * Each part of a request shown once. The agent's title is `<permission>: <detail>` on
 * one line (at most 120 characters, "…" when cut); for a shell command `patterns` are its
 * sub-commands (`a && b` asks for `a` and `b`). When the title holds every pattern, the
 * body is the title's detail, the command as written (operators and all), with a line
 * break where the one-line title had only a space between two sub-commands; the
 * heading is then just the permission. Otherwise the body lists the patterns.
 */
export function requestText(p: Permission): RequestText {
  const prefix = `${p.permission}: `;
  const detail = p.title.startsWith(prefix) ? p.title.slice(prefix.length) : null;
  if (!p.patterns.length) return { heading: p.permission, body: detail ?? p.title };
  const woven = detail !== null && !detail.endsWith("…") ? weave(detail, p.patterns) : null;
  if (woven !== null) return { heading: p.permission, body: woven };
  // A title that is not a restated pattern (or was cut) adds nothing but its permission.
  return { heading: detail !== null ? p.permission : p.title || p.permission, body: p.patterns.join("\n") };
}

/** `detail` with each pattern in place (in order), or null when one is missing. */
function weave(detail: string, patterns: string[]): string | null {
  let pos = 0;
  let out = "";
  for (const [k, pattern] of patterns.entries()) {
    const flat = pattern.split(/\s+/).filter(Boolean).join(" ");
    const at = flat ? detail.indexOf(flat, pos) : -1;
    if (at < 0) return null;
    const between = detail.slice(pos, at);
    out += k > 0 && between.trim() === "" ? "\n" : between;
    out += pattern;
    pos = at + flat.length;
  }
  return out + detail.slice(pos);
}

/**
 * Answers and prompts go over the integration's websocket commands, never through its
 * actions: Home Assistant records every action call with its data (a `call_service`
 * event), so a reason, an answer or a prompt typed here would land in the recorder. The
 * commands take the actions' fields and run the same checks and audit.
 */
export const STEERING_COMMANDS = {
  replyPermission: "opencode_lookout/reply_permission",
  replyQuestion: "opencode_lookout/reply_question",
  sendPrompt: "opencode_lookout/send_prompt",
} as const;

type Steer = Pick<Hass, "callWS">;

/** Answer `permission`; a reject carries the typed reason, when there is one. */
export function replyPermission(
  hass: Steer,
  session: Session,
  permission: Permission,
  reply: "once" | "always" | "reject",
  reason?: string,
): Promise<unknown> {
  const message: Record<string, unknown> = {
    type: STEERING_COMMANDS.replyPermission,
    device_id: session.device_id,
    permission_id: permission.id,
    reply,
  };
  const text = reason?.trim();
  if (reply === "reject" && text) message.message = text;
  return hass.callWS(message);
}

/** Answer the pending question of `session` (`null`: dismiss it). */
export function replyQuestion(hass: Steer, session: Session, answer: string | null): Promise<unknown> {
  const message: Record<string, unknown> = { type: STEERING_COMMANDS.replyQuestion, device_id: session.device_id };
  if (answer === null) message.reject = true;
  else message.answer = answer;
  return hass.callWS(message);
}

/** Queue a prompt in `session`. */
export function sendPrompt(hass: Steer, session: Session, text: string): Promise<unknown> {
  return hass.callWS({ type: STEERING_COMMANDS.sendPrompt, device_id: session.device_id, text });
}
