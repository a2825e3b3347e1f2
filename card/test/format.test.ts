import { describe, it } from "node:test";

import { expect } from "./expect";

import { contextPercent, formatCost, formatDuration, formatTokens, planProgress, timeInState } from "../src/format";
import { session } from "./fixtures";

describe("format", () => {
  it("formats durations compactly", () => {
    expect(formatDuration(-5)).toBe("0 s");
    expect(formatDuration(42_900)).toBe("42 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(59 * 60_000 + 59_000)).toBe("59 min");
    expect(formatDuration(3 * 3600_000 + 5 * 60_000)).toBe("3 h 05 min");
    expect(formatDuration(52 * 3600_000)).toBe("2 d 4 h");
  });

  it("computes time in state from an ISO timestamp", () => {
    const since = "2026-11-22T05:00:00.000Z";
    expect(timeInState(since, Date.parse(since) + 90_000)).toBe("1 min");
    expect(timeInState(null, 0)).toBe("");
    expect(timeInState("garbage", 0)).toBe("");
  });

  it("formats costs, tokens and context usage", () => {
    expect(formatCost(0)).toBe("");
    expect(formatCost(0.02292)).toBe("$0.023");
    expect(formatCost(12.5)).toBe("$12.50");
    expect(formatTokens(999)).toBe("999");
    expect(formatTokens(1800)).toBe("1.8k");
    expect(formatTokens(120_000)).toBe("120k");
    expect(formatTokens(2_500_000)).toBe("2.5M");
    expect(contextPercent(1200, 100000)).toBe(1);
    expect(contextPercent(null, 100000)).toBeNull();
    expect(contextPercent(5, 0)).toBeNull();
    expect(contextPercent(200, 100)).toBe(100);
  });

  it("shows plan progress only for a session with something planned", () => {
    expect(planProgress(session())).toBe("1/3");
    expect(planProgress(session({ todo: [], todo_done: 0, todo_total: 0 }))).toBe("");
    // Every item cancelled: nothing left to count (the expanded row still lists them).
    const cancelled = [{ content: "x", status: "cancelled", priority: "low" }];
    expect(planProgress(session({ todo: cancelled, todo_done: 0, todo_total: 0 }))).toBe("");
    expect(planProgress(session({ todo_done: 7, todo_total: 7 }))).toBe("7/7");
  });
});
