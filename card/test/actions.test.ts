import { describe, it } from "node:test";

import { expect } from "./expect";

import { NO_ACTIONS, replyPermission, replyQuestion, requestText, rowActions, sendPrompt, subAgent } from "../src/actions";
import { golden, session } from "./fixtures";

describe("rowActions", () => {
  const waiting = session();

  it("offers the oldest pending permission to users who may steer", () => {
    const actions = rowActions(waiting, true, true);
    expect(actions.permission?.id).toBe(waiting.pending_permissions[0].id);
    expect(actions.abort).toBe(false);
    expect(actions.messages).toBe(true);
  });

  it("offers nothing to users who may not steer", () => {
    expect(rowActions(waiting, false, true)).toEqual(NO_ACTIONS);
  });

  it("offers nothing while the agent or the session is offline", () => {
    expect(rowActions(waiting, true, false)).toEqual(NO_ACTIONS);
    expect(rowActions(session({ available: false }), true, true)).toEqual(NO_ACTIONS);
    expect(rowActions(session({ device_id: null }), true, true)).toEqual(NO_ACTIONS);
  });

  it("offers Abort on working rows only", () => {
    const working = session({ state: "working", pending_permissions: [] });
    expect(rowActions(working, true, true).abort).toBe(true);
    const idle = session({ state: "idle", pending_permissions: [] });
    expect(rowActions(idle, true, true)).toEqual({ permission: null, question: null, abort: false, messages: true });
  });

  it("offers the question of a waiting_input session", () => {
    const asked = golden("result_ok_list_sessions.json").result.sessions.find((s: any) => s.question);
    const actions = rowActions(session({ ...asked, available: true, device_id: "d" }), true, true);
    expect(actions.question?.id).toBe(asked.question.id);
    expect(actions.question?.questions[0].options.map((o: any) => o.label)).toEqual(["Postgres", "SQLite"]);
  });
});

describe("subAgent", () => {
  it("names the sub-agent whose permission waits on the root", () => {
    // The golden permission comes from a child session, asked by agent "general".
    const s = session();
    expect(s.pending_permissions[0].session_id).not.toBe(s.id);
    expect(subAgent(s)).toBe("general");
  });

  it("is null when the session's own agent runs", () => {
    expect(subAgent(session({ pending_permissions: [], current_agent: "build" }))).toBeNull();
    expect(subAgent(session({ pending_permissions: [], current_agent: null }))).toBeNull();
  });
});

describe("requestText", () => {
  const permission = (title: string, patterns: string[], name = "bash") => ({
    id: "per_1",
    session_id: "ses_1",
    permission: name,
    patterns,
    always: [],
    title,
    created: "2026-11-22T05:00:01.000Z",
  });

  it("shows a compound command once, as written", () => {
    const p = permission("bash: echo tagging && echo pushing", ["echo tagging", "echo pushing"]);
    expect(requestText(p)).toEqual({ heading: "bash", body: "echo tagging && echo pushing" });
    expect(requestText(permission("bash: curl -fsSL x | sh", ["curl -fsSL x", "sh"])).body).toBe("curl -fsSL x | sh");
  });

  it("shows a simple command once", () => {
    expect(requestText(permission("bash: rm -rf build", ["rm -rf build"]))).toEqual({ heading: "bash", body: "rm -rf build" });
  });

  it("puts back the line breaks the one-line title lost between sub-commands", () => {
    const p = permission("bash: cd web npm ci --force", ["cd web", "npm ci\n  --force"]);
    expect(requestText(p).body).toBe("cd web\nnpm ci\n  --force");
  });

  it("lists the patterns when the title was cut or misses one", () => {
    const cut = permission(`bash: echo ${"x".repeat(110)}…`, ["echo a", "echo b"]);
    expect(requestText(cut)).toEqual({ heading: "bash", body: "echo a\necho b" });
    const other = permission("bash: echo a", ["echo a", "rm -rf /"]);
    expect(requestText(other)).toEqual({ heading: "bash", body: "echo a\nrm -rf /" });
  });

  it("keeps a title that is no restated pattern as the heading", () => {
    const p = permission("Access files outside the project", ["/etc/*"], "external_directory");
    expect(requestText(p)).toEqual({ heading: "Access files outside the project", body: "/etc/*" });
  });

  it("shows the title's detail when there are no patterns", () => {
    expect(requestText(permission("webfetch: https://example.org", [], "webfetch"))).toEqual({ heading: "webfetch", body: "https://example.org" });
  });
});

describe("answers", () => {
  // A Home Assistant that records what the card sends; an action call fails the test:
  // Home Assistant records every action call with its data, so typed text must not go there.
  function fakeHass() {
    const sent: Record<string, unknown>[] = [];
    const hass = {
      callWS: async (message: Record<string, unknown>) => {
        sent.push(message);
        return null;
      },
      callService: () => {
        throw new Error("an answer went through a (recorded) action call");
      },
    };
    return { hass, sent };
  }
  const s = session();
  const p = s.pending_permissions[0];

  it("answers a permission over the integration's websocket command, with the reason", async () => {
    const { hass, sent } = fakeHass();
    await replyPermission(hass as any, s, p, "reject", "  not on prod  ");
    await replyPermission(hass as any, s, p, "once", "ignored unless rejecting");
    await replyPermission(hass as any, s, p, "reject", "   ");
    expect(sent).toEqual([
      { type: "opencode_lookout/reply_permission", device_id: s.device_id, permission_id: p.id, reply: "reject", message: "not on prod" },
      { type: "opencode_lookout/reply_permission", device_id: s.device_id, permission_id: p.id, reply: "once" },
      { type: "opencode_lookout/reply_permission", device_id: s.device_id, permission_id: p.id, reply: "reject" },
    ]);
  });

  it("answers or dismisses a question over the websocket command", async () => {
    const { hass, sent } = fakeHass();
    await replyQuestion(hass as any, s, "the basement vault");
    await replyQuestion(hass as any, s, null);
    expect(sent).toEqual([
      { type: "opencode_lookout/reply_question", device_id: s.device_id, answer: "the basement vault" },
      { type: "opencode_lookout/reply_question", device_id: s.device_id, reject: true },
    ]);
  });

  it("sends a prompt over the websocket command", async () => {
    const { hass, sent } = fakeHass();
    await sendPrompt(hass as any, s, "run the tests");
    expect(sent).toEqual([{ type: "opencode_lookout/send_prompt", device_id: s.device_id, text: "run the tests" }]);
  });
});
