import { describe, it } from "node:test";

import { expect } from "./expect";

import { compareSessions, keepOrder, triage, waitingCount } from "../src/triage";
import { machine, session } from "./fixtures";

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 22, 5, minutes)).toISOString();

describe("triage", () => {
  const sessions = [
    session({ id: "idle-old", state: "idle", last_activity: at(1), pending_permissions: [] }),
    session({ id: "working", state: "working", last_activity: at(5), pending_permissions: [] }),
    session({ id: "idle-new", state: "idle", last_activity: at(9), pending_permissions: [] }),
    session({ id: "wait-late", state: "waiting_permission", state_since: at(8) }),
    session({ id: "question", state: "waiting_input", state_since: at(3), pending_permissions: [] }),
    session({ id: "error", state: "error", last_activity: at(7), pending_permissions: [] }),
  ];

  it("puts waiting first (longest waiting first), then working, then the newest idle", () => {
    const ids = [...sessions].sort(compareSessions).map((s) => s.id);
    expect(ids).toEqual(["question", "wait-late", "working", "idle-new", "error", "idle-old"]);
  });

  it("shows at most idle_count idle sessions and counts the rest", () => {
    const [group] = triage([machine({ sessions })], { idle_count: 1 });
    expect(group.sessions.map((s) => s.id)).toEqual(["question", "wait-late", "working", "idle-new"]);
    expect(group.hidden).toBe(2);
    expect(waitingCount([group])).toBe(2);
  });

  it("never hides waiting or working sessions, even with idle_count 0", () => {
    const [group] = triage([machine({ sessions })], { idle_count: 0 });
    expect(group.sessions.map((s) => s.id)).toEqual(["question", "wait-late", "working"]);
  });

  it("defaults to five idle sessions", () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      session({ id: `s${i}`, state: "idle", last_activity: at(i), pending_permissions: [] }),
    );
    const [group] = triage([machine({ sessions: many })], {});
    expect(group.sessions.map((s) => s.id)).toEqual(["s7", "s6", "s5", "s4", "s3"]);
    expect(group.hidden).toBe(3);
  });

  it("groups by machine, sorted by name, and keeps only the chosen machines", () => {
    const a = machine({ entry_id: "a", device_id: "dev-a", name: "zeta" });
    const b = machine({ entry_id: "b", device_id: "dev-b", name: "alpha" });
    expect(triage([a, b], {}).map((g) => g.machine.name)).toEqual(["alpha", "zeta"]);
    expect(triage([a, b], { machines: ["dev-a"] }).map((g) => g.machine.name)).toEqual(["zeta"]);
    expect(triage([a, b], { machines: [] }).length).toBe(2);
  });

  it("sorts a state it does not know with the idle ones", () => {
    const odd = session({ id: "odd", state: "sleeping" as never, last_activity: at(20), pending_permissions: [] });
    const ids = [odd, ...sessions].sort(compareSessions).map((s) => s.id);
    expect(ids.slice(0, 3)).toEqual(["question", "wait-late", "working"]);
    expect(ids[3]).toBe("odd");
  });
});

describe("keepOrder", () => {
  const ids = (list: { id: string }[]) => list.map((x) => x.id);
  const items = ["b", "c", "a", "d"].map((id) => ({ id }));

  it("keeps the order last drawn while rows are answered", () => {
    // "a" was first when answered; by triage it now sorts third.
    expect(ids(keepOrder(items, ["a", "b", "c", "d"]))).toEqual(["a", "b", "c", "d"]);
  });

  it("puts rows not drawn before last and leaves out rows gone", () => {
    expect(ids(keepOrder(items, ["gone", "a", "c"]))).toEqual(["a", "c", "b", "d"]);
  });

  it("is the triage order when nothing is held", () => {
    expect(keepOrder(items, undefined)).toBe(items);
  });
});
