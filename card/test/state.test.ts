import { describe, it } from "node:test";

import { expect } from "./expect";

import { applyMessage } from "../src/state";
import { machine, session } from "./fixtures";

describe("applyMessage", () => {
  const start = [machine({ sessions: [session({ id: "a" }), session({ id: "b" })] })];

  it("replaces everything with a snapshot", () => {
    expect(applyMessage(start, { type: "snapshot", machines: [] })).toEqual([]);
  });

  it("upserts and removes sessions of one machine", () => {
    const updated = applyMessage(start, { type: "session", entry_id: "entry1", session: session({ id: "a", title: "new" }) });
    expect(updated[0].sessions.map((s) => [s.id, s.title])).toEqual([
      ["b", "Fix the build"],
      ["a", "new"],
    ]);
    const added = applyMessage(updated, { type: "session", entry_id: "entry1", session: session({ id: "c" }) });
    expect(added[0].sessions.map((s) => s.id)).toEqual(["b", "a", "c"]);
    const removed = applyMessage(added, { type: "session_removed", entry_id: "entry1", session_id: "b" });
    expect(removed[0].sessions.map((s) => s.id)).toEqual(["a", "c"]);
    expect(start[0].sessions.length).toBe(2); // never mutates
  });

  it("updates a machine but keeps its sessions; adds and removes machines", () => {
    const { sessions: _, ...info } = start[0];
    const offline = applyMessage(start, { type: "machine", machine: { ...info, available: false } });
    expect(offline[0].available).toBe(false);
    expect(offline[0].sessions.length).toBe(2);
    const two = applyMessage(offline, { type: "machine", machine: { ...info, entry_id: "entry2" } });
    expect(two.map((m) => [m.entry_id, m.sessions.length])).toEqual([
      ["entry1", 2],
      ["entry2", 0],
    ]);
    expect(applyMessage(two, { type: "machine_removed", entry_id: "entry1" }).map((m) => m.entry_id)).toEqual(["entry2"]);
  });

  it("ignores message types it does not know", () => {
    expect(applyMessage(start, { type: "future" } as never)).toBe(start);
  });
});
