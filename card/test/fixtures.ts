// Sessions for the tests, built from the protocol's golden frames (never retyped).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

import type { Machine, Session } from "../src/types";

// Tests run from card/ (scripts/build-card), bundled into a temporary folder.
const PROTOCOL = new URL("../tests/fixtures/protocol/", pathToFileURL(`${process.cwd()}/`));

export function golden(name: string): any {
  return JSON.parse(readFileSync(new URL(name, PROTOCOL), "utf8"));
}

/** The golden session_updated session, as the integration forwards it. */
export function session(overrides: Partial<Session> = {}): Session {
  const base = golden("event_session_updated.json").session;
  return { ...base, device_id: `dev-${overrides.id ?? base.id}`, state_since: base.last_activity, ...overrides };
}

export function machine(overrides: Partial<Machine> = {}): Machine {
  return {
    entry_id: "entry1",
    device_id: "machine1",
    name: "devbox",
    available: true,
    can_steer: true,
    sessions: [],
    ...overrides,
  };
}
