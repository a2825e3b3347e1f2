// What a row offers the user: pure, unit-tested.

import type { Permission, Question, Session } from "./types";

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
