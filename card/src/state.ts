// Apply the subscription's messages to the list of machines: pure, unit-tested.

import type { Machine, SubscriptionMessage } from "./types";

export function applyMessage(machines: Machine[], message: SubscriptionMessage): Machine[] {
  switch (message.type) {
    case "snapshot":
      return message.machines;
    case "machine": {
      const found = machines.some((m) => m.entry_id === message.machine.entry_id);
      if (!found) return [...machines, { ...message.machine, sessions: [] }];
      return machines.map((m) =>
        m.entry_id === message.machine.entry_id ? { ...message.machine, sessions: m.sessions } : m,
      );
    }
    case "machine_removed":
      return machines.filter((m) => m.entry_id !== message.entry_id);
    case "session":
      return machines.map((m) => {
        if (m.entry_id !== message.entry_id) return m;
        const others = m.sessions.filter((s) => s.id !== message.session.id);
        return { ...m, sessions: [...others, message.session] };
      });
    case "session_removed":
      return machines.map((m) =>
        m.entry_id === message.entry_id
          ? { ...m, sessions: m.sessions.filter((s) => s.id !== message.session_id) }
          : m,
      );
    default:
      // A message type of a newer integration: ignore it.
      return machines;
  }
}
