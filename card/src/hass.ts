// Which changes of Home Assistant's `hass` object the card redraws for: pure, unit-tested.

import type { Hass } from "./types";

/** The language the card speaks (Home Assistant's user profile, else the server's). */
export function language(hass: Hass | undefined): string | undefined {
  return hass?.locale?.language ?? hass?.language;
}

/**
 * Home Assistant hands every card a new `hass` object on each state change of any
 * entity: with 50 sessions, hundreds a minute, each redrawing 50 rows for nothing. The
 * card shows no entity state (its sessions come over its own subscription), so it
 * redraws only when what it renders with changes: the language, or the connection
 * (a reconnect, which also re-subscribes).
 */
export function hassChangeMatters(old: Hass | undefined, next: Hass | undefined): boolean {
  if (!old || !next) return old !== next;
  return language(old) !== language(next) || old.connection !== next.connection;
}
