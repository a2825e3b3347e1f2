#!/usr/bin/env python3
"""Self-test of the OpenCode 2 stand-in (tests/opencode_v2.py) through its driver.

    python3 tests/opencode_v2_selftest.py      # exit 0 when every check passes

Stdlib only; Python 3.11 and 3.14; takes a few seconds.
"""

# ruff: noqa: T201, S108

import json
import os
import stat
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from opencode_v2_driver import StandIn

FAILURES: list[str] = []


def check(cond, what):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}")
        FAILURES.append(what)


def main() -> int:
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as home:
        env = {
            "HOME": home,
            "XDG_STATE_HOME": os.path.join(home, "state"),
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
        }
        reg_path = os.path.join(home, "state", "opencode", "service.json")
        cfg_path = os.path.join(home, "config", "opencode", "service.json")
        v2 = StandIn(["--heartbeat", "0.3", "--password-in", "both"], env=env)
        try:
            run_checks(v2, reg_path, cfg_path)
        finally:
            code = v2.stop()
        check(code == 0, f"SIGTERM exits 0 (got {code})")
        check(not os.path.exists(reg_path), "SIGTERM removes the registration file")
        check(os.path.exists(cfg_path), "the config file stays")

        # a channel file, no registration, pid mismatch
        v3 = StandIn(["--channel", "beta", "--pid-mismatch"], env=env)
        try:
            chan = os.path.join(home, "state", "opencode", "service-beta.json")
            check(os.path.exists(chan), "channel beta registers service-beta.json")
            info = v3.get("/api/info")[1]
            check(info["pid"] == v3.pid + 1, "--pid-mismatch reports pid+1")
        finally:
            v3.stop()
        check(not os.path.exists(chan), "channel file removed on exit")

    print(f"{len(FAILURES)} failure(s) in {time.monotonic() - t0:.1f}s")
    return 1 if FAILURES else 0


def run_checks(v2: StandIn, reg_path: str, cfg_path: str):
    # ---- auth ------------------------------------------------------------------------------
    status, body = v2.get("/api/info", auth=False)
    check(
        status == 401
        and body == {"_tag": "UnauthorizedError", "message": "Authentication required"},
        "401 without auth",
    )
    status, _ = v2.get("/api/info", password="wrong")
    check(status == 401, "401 with a wrong password")
    status, _ = v2.get(
        "/api/info", headers={"Authorization": v2.auth_header(user="admin")}, auth=False
    )
    check(status == 401, "401 with a wrong user")
    status, info = v2.get("/api/info")
    check(
        status == 200 and info["pid"] == v2.pid and info["urls"] == [v2.url],
        "/api/info pid and urls",
    )
    check(
        set(info) == {"version", "pid", "urls", "paths"} and "tmp" in info["paths"],
        "/api/info shape",
    )
    check(v2.get("/global/health")[0] == 404, "/global/health is 404")
    check(
        v2.get("/api/nope")[1]["_tag"] == "NotFoundError", "unknown route NotFoundError"
    )

    # ---- registration ----------------------------------------------------------------------
    st = os.stat(reg_path)
    check(stat.S_IMODE(st.st_mode) == 0o600, "registration file is 0600")
    reg = json.load(open(reg_path))
    check(
        reg["url"] == v2.url
        and reg["pid"] == v2.pid
        and reg["password"] == v2.password,
        "registration url/pid/password",
    )
    check(
        reg["id"].startswith("svc_")
        and reg["version"] == "2.0.22"
        and isinstance(reg["startedAt"], int),
        "registration id/version/startedAt",
    )
    check(stat.S_IMODE(os.stat(cfg_path).st_mode) == 0o600, "config file is 0600")
    check(
        json.load(open(cfg_path)) == {"password": v2.password}, "config file password"
    )

    # ---- SSE -------------------------------------------------------------------------------
    stream = v2.events()
    check(
        stream.status == 200 and stream.content_type.startswith("text/event-stream"),
        "event stream content type",
    )
    first = stream.next_event()
    check(
        first["type"] == "server.connected" and first["id"].startswith("evt_"),
        "server.connected first",
    )
    v2.wait_subscribers(1)

    s = v2.control(
        "session", {"directory": "/tmp/proj-a", "title": "A", "agent": "build"}
    )
    sid = s["id"]
    check(
        sid.startswith("ses_") and s["location"] == {"directory": "/tmp/proj-a"},
        "control session",
    )
    ev = stream.until(lambda e: e["type"] == "session.created")
    check(
        ev["data"]["id"] == sid
        and ev["durable"]["aggregateID"] == sid
        and ev["durable"]["seq"] == 1,
        "session.created durable",
    )
    check(
        ev["location"] == {"directory": "/tmp/proj-a"}
        and isinstance(ev["created"], int),
        "envelope location/created",
    )

    v2.control("run", {"sessionID": sid})
    check(
        stream.until(lambda e: e["type"] == "session.execution.started")["data"]
        == {"sessionID": sid},
        "execution.started",
    )
    check(
        v2.get("/api/session/active")[1] == {"data": {sid: {"type": "running"}}},
        "/api/session/active",
    )

    per = v2.control(
        "permission",
        {"sessionID": sid, "action": "shell", "resources": ["ls"], "callID": "call_1"},
    )
    ev = stream.until(lambda e: e["type"] == "permission.asked")
    check(
        ev["data"]["id"] == per["id"] and per["id"].startswith("per_"),
        "permission.asked id",
    )
    check(
        ev["data"]["source"]["callID"] == "call_1" and "durable" not in ev,
        "permission.asked source/ephemeral",
    )
    check(set(ev) >= {"id", "type", "created", "data"}, "GA envelope keys")
    lst = v2.get("/api/permission/request?location%5Bdirectory%5D=%2Ftmp%2Fproj-a")[1]
    check(
        lst["location"] == {"directory": "/tmp/proj-a"}
        and [p["id"] for p in lst["data"]] == [per["id"]],
        "permission list by location",
    )
    check(
        lst["data"][0]["source"]["id"] == "call_1",
        "permission list source uses id (spec)",
    )
    check(
        v2.get("/api/permission/request?location[directory]=/elsewhere")[1]["data"]
        == [],
        "other location empty",
    )
    check(
        len(v2.get(f"/api/session/{sid}/permission")[1]["data"]) == 1,
        "session permission list",
    )

    reply = f"/api/session/{sid}/permission/{per['id']}/reply"
    status, body = v2.request("POST", reply, {"reply": "once"})
    check(
        status == 400 and body["_tag"] == "InvalidRequestError",
        "{reply} -> 400 InvalidRequestError",
    )
    status, _ = v2.request("POST", reply, {"decision": "once", "extra": 1})
    check(status == 400, "extra key -> 400")
    status, _ = v2.request("POST", reply, {"decision": "sometimes"})
    check(status == 400, "bad decision -> 400")
    status, body = v2.request(
        "POST", f"/api/session/{sid}/permission/per_missing/reply", {"decision": "once"}
    )
    check(
        status == 404 and body["_tag"] == "PermissionNotFoundError",
        "unknown permission 404",
    )
    status, body = v2.request(
        "POST",
        f"/api/session/ses_missing/permission/{per['id']}/reply",
        {"decision": "once"},
    )
    check(
        status == 404 and body["_tag"] == "SessionNotFoundError", "unknown session 404"
    )
    status, body = v2.request("POST", reply, {"decision": "always", "message": None})
    check(status == 204 and body is None, "decision -> 204")
    ev = stream.until(lambda e: e["type"] == "permission.replied")
    check(
        ev["data"] == {"sessionID": sid, "requestID": per["id"], "reply": "always"},
        "permission.replied data",
    )
    check(
        v2.get(f"/api/session/{sid}/permission")[1]["data"] == [], "permission removed"
    )

    v2.control("flags", {"pre_ga_reply": True})
    per2 = v2.control(
        "permission",
        {
            "sessionID": sid,
            "action": "edit",
            "resources": ["a.txt"],
            "name": "permission.v2.asked",
        },
    )
    stream.until(lambda e: e["type"] == "permission.v2.asked")
    r2 = f"/api/session/{sid}/permission/{per2['id']}/reply"
    check(
        v2.request("POST", r2, {"decision": "once"})[0] == 400,
        "pre_ga_reply rejects decision",
    )
    check(
        v2.request("POST", r2, {"reply": "reject"})[0] == 204,
        "pre_ga_reply accepts reply",
    )
    check(
        stream.until(lambda e: e["type"].endswith("replied"))["type"]
        == "permission.v2.replied",
        "v2 replied name",
    )
    v2.control("flags", {"pre_ga_reply": False})

    # ---- forms -----------------------------------------------------------------------------
    form = v2.control(
        "form",
        {
            "sessionID": sid,
            "questions": [
                {
                    "header": "Pick",
                    "question": "Which one?",
                    "options": [{"label": "A", "description": "first"}, {"label": "B"}],
                }
            ],
        },
    )
    ev = stream.until(lambda e: e["type"] == "form.created")
    check(
        ev["data"]["form"]["id"] == form["id"] and form["id"].startswith("frm_"),
        "form.created",
    )
    check(
        form["fields"][0]["key"] == "q0" and form["metadata"]["kind"] == "question",
        "question form shape",
    )
    flist = v2.get("/api/form?location[directory]=/tmp/proj-a")[1]
    check([f["id"] for f in flist["data"]] == [form["id"]], "form list by location")
    freply = f"/api/session/{sid}/form/{form['id']}/reply"
    status, body = v2.request("POST", freply, {"answer": {"nope": "A"}})
    check(
        status == 400 and body["_tag"] == "FormInvalidAnswerError",
        "bad form key -> 400",
    )
    status, body = v2.request("POST", freply, {"answer": {"q0": 3}})
    check(
        status == 400 and body["_tag"] == "FormInvalidAnswerError",
        "bad form type -> 400",
    )
    check(
        v2.request("POST", freply, {"answer": {"q0": "A"}})[0] == 204,
        "good form answer -> 204",
    )
    ev = stream.until(lambda e: e["type"] == "form.replied")
    check(
        ev["data"] == {"id": form["id"], "sessionID": sid, "answer": {"q0": "A"}},
        "form.replied data",
    )
    status, body = v2.request("POST", freply, {"answer": {"q0": "B"}})
    check(
        status == 409 and body["_tag"] == "FormAlreadySettledError",
        "settled form -> 409",
    )
    detail = v2.get(f"/api/session/{sid}/form/{form['id']}")[1]["data"]
    check(
        detail["state"] == {"status": "answered", "answer": {"q0": "A"}},
        "Form.Detail state",
    )
    form2 = v2.control("form", {"sessionID": sid, "title": "Name"})
    check(
        v2.request(
            "POST", f"/api/session/{sid}/form/{form2['id']}/reply", {"answer": {}}
        )[0]
        == 400,
        "missing required -> 400",
    )
    check(
        v2.request("DELETE", f"/api/session/{sid}/form/{form2['id']}?message=later")[0]
        == 204,
        "form DELETE -> 204",
    )
    check(
        stream.until(lambda e: e["type"] == "form.cancelled")["data"]
        == {"id": form2["id"], "sessionID": sid},
        "form.cancelled",
    )

    # ---- steps, messages -------------------------------------------------------------------
    tokens = {
        "input": 900,
        "output": 200,
        "reasoning": 0,
        "cache": {"read": 100, "write": 0},
    }
    step = v2.control(
        "step", {"sessionID": sid, "cost": 0.01, "tokens": tokens, "text": "Hello"}
    )
    ev = stream.until(lambda e: e["type"] == "session.usage.updated")
    check(
        ev["data"]["cost"] == 0.01 and ev["data"]["tokens"]["input"] == 900,
        "usage.updated totals",
    )
    tool = v2.control(
        "tool", {"sessionID": sid, "name": "shell", "input": {"command": "ls"}}
    )
    v2.control(
        "tool_done", {"sessionID": sid, "callID": tool["callID"], "output": "a b"}
    )
    msgs = v2.get(f"/api/session/{sid}/message")[1]
    check(set(msgs) == {"data", "cursor"}, "message list shape")
    am = [m for m in msgs["data"] if m["id"] == step["messageID"]][0]
    check(
        am["type"] == "assistant"
        and am["content"][0] == {"type": "text", "text": "Hello"},
        "assistant message text",
    )
    check(am["content"][1]["state"]["status"] == "completed", "tool part completed")

    # ---- interrupt -------------------------------------------------------------------------
    per3 = v2.control(
        "permission", {"sessionID": sid, "action": "shell", "resources": ["rm"]}
    )
    status, body = v2.request("POST", f"/api/session/{sid}/interrupt?resume=false")
    check(status == 200 and body == {"interrupted": True}, "interrupt running -> true")
    ev = stream.until(lambda e: e["type"].startswith("session.execution"))
    check(
        ev["type"] == "session.execution.interrupted"
        and ev["data"] == {"sessionID": sid, "reason": "user"},
        "execution.interrupted",
    )
    check(
        v2.get(f"/api/session/{sid}/permission")[1]["data"] == [] and per3,
        "interrupt drops pending",
    )
    check(
        v2.request("POST", f"/api/session/{sid}/interrupt?resume=false")[1]
        == {"interrupted": False},
        "interrupt idle -> false",
    )
    check(v2.get("/api/session/active")[1] == {"data": {}}, "no active sessions")

    # ---- prompt ----------------------------------------------------------------------------
    status, body = v2.request(
        "POST", f"/api/session/{sid}/prompt", {"text": "go on", "delivery": "steer"}
    )
    check(
        status == 200
        and body["data"]["type"] == "user"
        and body["data"]["payload"] == {"text": "go on"},
        "prompt -> Inbox.User",
    )
    check(
        v2.request("POST", f"/api/session/{sid}/prompt", {"delivery": "steer"})[0]
        == 400,
        "prompt without text -> 400",
    )

    # ---- paging ----------------------------------------------------------------------------
    child = v2.control("session", {"parentID": sid, "title": "child"})
    for i in range(6):
        v2.control("session", {"directory": "/tmp/proj-b", "title": f"B{i}"})
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/session?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = v2.get(path)[1]
        pages += 1
        seen += [s["id"] for s in page["data"]]
        cursor = page["cursor"]["next"]
        if not cursor:
            break
    check(
        len(seen) == 8 and len(set(seen)) == 8 and pages == 3,
        f"paging via cursor.next ({len(seen)} in {pages} pages)",
    )
    check(child["id"] in seen, "children listed by default")
    check(
        v2.get("/api/session?limit=3")[1]["cursor"]["previous"] is None,
        "first page has no previous",
    )
    roots = v2.get("/api/session?parentID=null")[1]["data"]
    check(child["id"] not in [s["id"] for s in roots], "parentID=null gives roots")
    kids = v2.get(f"/api/session?parentID={sid}")[1]["data"]
    check([s["id"] for s in kids] == [child["id"]], "parentID filter")
    check(
        v2.get("/api/session?cursor=garbage")[1]["_tag"] == "InvalidCursorError",
        "bad cursor -> InvalidCursorError",
    )
    check(
        sorted(d["directory"] for d in v2.get("/api/debug/location")[1])
        == ["/tmp/proj-a", "/tmp/proj-b"],
        "/api/debug/location",
    )
    models = v2.get("/api/model")[1]
    check(
        models["data"][0]["limit"]["context"] == 100000 and "location" in models,
        "/api/model",
    )

    # ---- calls, cut --------------------------------------------------------------------------
    calls = v2.calls()
    check(
        all(c["method"] != "GET" for c in calls)
        and any(c["status"] == 204 for c in calls),
        "calls recorded",
    )
    check(
        calls[0]["body"] == {"reply": "once"} and calls[0]["status"] == 400,
        "calls keep body and status",
    )
    v2.control("cut")
    ended = False
    try:
        for _ in range(200):  # drain what was queued before the cut
            if stream.next_event() is None:
                ended = True
                break
    except Exception:  # noqa: BLE001 -- an abrupt close: http.client.IncompleteRead
        ended = True
    check(ended, "cut closes the stream")
    stream.close()


if __name__ == "__main__":
    sys.exit(main())
