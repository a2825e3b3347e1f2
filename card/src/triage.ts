// Which sessions a card shows and in which order: pure, unit-tested.

import type { CardConfig, Machine, Session, State } from "./types";

export const DEFAULT_IDLE_COUNT = 5;

/** Triage order: what needs the user first, then what runs, then the rest. */
const RANK: Record<State, number> = {
  waiting_permission: 0,
  waiting_input: 0,
  working: 1,
  error: 2,
  idle: 2,
};

export function isWaiting(session: Session): boolean {
  return session.state === "waiting_permission" || session.state === "waiting_input";
}

function rank(session: Session): number {
  // An unknown future state sorts with the idle ones rather than breaking the card.
  return RANK[session.state] ?? 2;
}

function time(value: string | null | undefined): number {
  const t = value ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Waiting sessions first (longest waiting first), then working ones (most recently
 * active first), then idle and errored ones (most recent first).
 */
export function compareSessions(a: Session, b: Session): number {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (isWaiting(a)) return time(a.state_since) - time(b.state_since) || a.id.localeCompare(b.id);
  return time(b.last_activity) - time(a.last_activity) || a.id.localeCompare(b.id);
}

export interface MachineGroup {
  machine: Machine;
  sessions: Session[];
  /** Idle sessions left out by idle_count. */
  hidden: number;
}

/** Group the machines the card shows, each with its sessions in triage order. */
export function triage(machines: Machine[], config: Pick<CardConfig, "machines" | "idle_count">): MachineGroup[] {
  const chosen = config.machines?.length ? new Set(config.machines) : null;
  const idleCount = Math.max(0, config.idle_count ?? DEFAULT_IDLE_COUNT);
  return machines
    .filter((m) => chosen === null || (m.device_id !== null && chosen.has(m.device_id)))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((machine) => {
      const sorted = [...machine.sessions].sort(compareSessions);
      const active = sorted.filter((s) => rank(s) < 2);
      const rest = sorted.filter((s) => rank(s) >= 2);
      return {
        machine,
        sessions: [...active, ...rest.slice(0, idleCount)],
        hidden: Math.max(0, rest.length - idleCount),
      };
    });
}

/** Number of sessions waiting for the user, over all shown machines. */
export function waitingCount(groups: MachineGroup[]): number {
  return groups.reduce((n, g) => n + g.sessions.filter(isWaiting).length, 0);
}

/**
 * `items` in the order they were last drawn (`previous`, ids): while the user answers
 * rows, the list holds still under the finger. Items not drawn before go last, in their
 * own order; items gone are left out.
 */
export function keepOrder<T extends { id: string }>(items: T[], previous: readonly string[] | undefined): T[] {
  if (!previous) return items;
  const place = new Map(previous.map((id, i) => [id, i]));
  const known = items.filter((item) => place.has(item.id)).sort((a, b) => place.get(a.id)! - place.get(b.id)!);
  return [...known, ...items.filter((item) => !place.has(item.id))];
}
