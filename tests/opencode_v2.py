#!/usr/bin/env python3
"""OpenCode 2 (V2) stand-in: a small HTTP service that answers like the V2 background service.

No real OpenCode 2 can be installed on the test machines, so the V2 feed is tested against this
fixture. It follows the published GA contract as summarised in
``/work/shared/reference/opencode-v2.md`` (sections 1-4 and 6) and the GA OpenAPI document
``services/www/public/openapi.json`` of ``anomalyco/opencode`` at commit 01fd0c8
("V2 contract 2.0 GA, openapi @01fd0c8", see ``CONTRACT``). Where the two disagree the spec wins
for HTTP shapes; event payloads (typed as opaque JSON in the spec) follow opencode-v2.md §2.
Re-check against a real V2 as soon as one can be installed.

Stdlib only; runs on Python 3.11 and 3.14.

    python3 tests/opencode_v2.py [--port 0] [--password PW] [--version 2.0.22] [--channel latest]
        [--password-in registration|config|both] [--no-register] [--heartbeat 15] [--pid-mismatch]

It binds 127.0.0.1 only and prints exactly one line ``READY http://127.0.0.1:<port>`` on stdout
once it serves. Unless ``--no-register``, it writes the registration file
``$XDG_STATE_HOME/opencode/service.json`` (``~/.local/state/...`` without XDG_STATE_HOME;
``service-<channel>.json`` for channels other than latest/next) atomically with mode 0600, and
with ``--password-in config|both`` also ``$XDG_CONFIG_HOME/opencode/service.json``
(``{"password"}``, 0600). SIGTERM/SIGINT remove the registration file if it still names this
pid, then exit 0. ``--pid-mismatch`` makes ``/api/info`` report pid+1.

Every route, contract or control, needs HTTP Basic auth ``opencode:<password>``; otherwise
401 ``{"_tag":"UnauthorizedError","message":"Authentication required"}``.

Contract routes (GA shapes; errors are ``{"_tag":"XxxError","message",...}``):

    GET    /api/info                                 ServerInfo {version, pid, urls, paths{tmp}}
    GET    /api/event                                SSE, ``data: <envelope>`` frames, ``: heartbeat``
    GET    /api/session?limit&order&cursor&parentID  SessionsResponse {data, cursor{previous,next}}
    GET    /api/session/active                       {data: {ses_…: {type:"running"}}}
    GET    /api/session/{id}                         {data: Session.Info}
    PATCH  /api/session/{id}        {title}          204, session.renamed
    DELETE /api/session/{id}                         204, session.deleted (children too)
    GET    /api/session/{id}/message?limit&order&cursor&type   SessionMessagesResponse
    GET    /api/session/{id}/message/{messageID}     {data: Session.Message.Info}
    GET    /api/session/{id}/permission              {data: Permission.Request[]}
    GET    /api/session/{id}/permission/{requestID}  {data: Permission.Request}
    POST   /api/session/{id}/permission/{requestID}/reply {decision, message?}  204
    GET    /api/session/{id}/form                    {data: Form.Info[]}
    GET    /api/session/{id}/form/{formID}           {data: Form.Detail}
    POST   /api/session/{id}/form/{formID}/reply {answer}   204
    DELETE /api/session/{id}/form/{formID}?message=  204
    POST   /api/session/{id}/interrupt?resume=       {interrupted: bool}
    POST   /api/session/{id}/prompt {text, ...}      {data: Session.Inbox.User}
    GET    /api/permission/request?location[directory]=     {location, data: Permission.Request[]}
    GET    /api/form?location[directory]=            {location, data: Form.Info[]}
    GET    /api/model?location[directory]=           {location, data: Model.Info[]}
    GET    /api/debug/location                       Location.PublicRef[] (bare array)
    POST   /api/location/reload                      204, like /__standin/reload without a directory

Anything else (including every ``/global/*`` route) is 404 ``{"_tag":"NotFoundError"}``.
``GET /api/session`` without ``parentID`` lists every session, children included (spec:
"Filter by parent session. Use null to return only root sessions"); ``parentID=null`` gives
roots only. Sessions default to ``order=desc`` by (time.updated, id), limit 50; messages
default to ``order=asc`` by (time.created, id), limit 100. Cursors are opaque and carry the order.
Every non-GET contract request is recorded (method, path, query, body, status) in ``calls``.

Control routes (NOT part of V2; same auth; POST bodies are JSON; answers are JSON):

    POST /__standin/session   {id?, parentID?, title?, directory, agent?, model?}  -> Session.Info; session.created
    POST /__standin/rename    {sessionID, title}                                    session.renamed
    POST /__standin/delete    {sessionID}                                           session.deleted (each, children first)
    POST /__standin/run       {sessionID}                                           session.execution.started
    POST /__standin/step      {sessionID, cost, tokens, model?, agent?, text?}      -> {messageID}; step/text/usage events
    POST /__standin/tool      {sessionID, callID?, name, input}                     -> {callID, messageID}; tool.input.started, tool.called
    POST /__standin/tool_done {sessionID, callID, failed?, output?, error?}         session.tool.success|failed
    POST /__standin/permission {sessionID, action, resources, save?, metadata?, callID?, message?, name?}
                                                                                    -> Permission.Request; permission.asked
    POST /__standin/form      {sessionID, title?, fields?, mode?, url?, metadata?}  -> Form.Info; form.created
                              or {sessionID, questions:[{header, question, options:[{label, description}], multiple?}], callID?}
    POST /__standin/finish    {sessionID, outcome, error?, reason?}                 session.execution.<outcome>
    POST /__standin/retry     {sessionID, attempt, error, at?}                      session.retry.scheduled
    POST /__standin/compaction {sessionID, reason?}                                 session.compaction.started, .ended
    POST /__standin/emit      {type, data, location?, durable?}                     any envelope
    POST /__standin/raw       {line}                                                ``data: <line>`` verbatim
    POST /__standin/reload    {directory?}                                          drops pending silently; location.shutdown
    POST /__standin/forget    {sessionID?}                                          drops pending + running, no events
    POST /__standin/cut       {}                                                    closes every event stream abruptly
    POST /__standin/flags     {pre_ga_reply?, models?}                              -> current flags
    POST /__standin/clear_calls {}                                                  empties ``calls``
    GET  /__standin/calls                                                           {calls: [...]}
    GET  /__standin/state                                                           sessions, pending, running, subscribers
"""

# ruff: noqa: D101, D102, D107, N815, C901

import argparse
import base64
import contextlib
import hashlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import os
import queue
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse

CONTRACT = "2.0 GA (openapi.json @01fd0c8)"

DEFAULT_MODEL = {
    "id": "fake-model",
    "modelID": "fake-model",
    "providerID": "fake",
    "name": "Fake Model",
    "capabilities": {"tools": True, "input": ["text"], "output": ["text"]},
    "variants": [],
    "time": {"released": 1767225600000},
    "cost": [{"input": 1.0, "output": 2.0, "cache": {"read": 0.1, "write": 1.25}}],
    "status": "active",
    "enabled": True,
    "limit": {"context": 100000, "output": 8192},
}

# Session events that are not durable (no ``durable`` block): deltas, progress, usage, status.
EPHEMERAL_SESSION_EVENTS = {
    "session.text.delta",
    "session.reasoning.delta",
    "session.usage.updated",
    "session.tool.progress",
    "session.compaction.delta",
    "session.retry.scheduled",
    "session.status",
    "session.idle",
}

SUBSCRIBER_BUFFER = 256
_CUT = object()
_CLOSE = object()
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str) -> str:
    """Time-ordered id such as ``ses_0196f3a2b4c1Ab3…`` (prefix, 12 hex ms digits, 14 base62)."""
    return f"{prefix}_{now_ms():012x}" + "".join(
        secrets.choice(_B62) for _ in range(14)
    )


def zero_tokens() -> dict:
    return {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}


def add_tokens(a: dict, b: dict) -> dict:
    cache_a, cache_b = a.get("cache") or {}, b.get("cache") or {}
    return {
        "input": a.get("input", 0) + b.get("input", 0),
        "output": a.get("output", 0) + b.get("output", 0),
        "reasoning": a.get("reasoning", 0) + b.get("reasoning", 0),
        "cache": {
            "read": cache_a.get("read", 0) + cache_b.get("read", 0),
            "write": cache_a.get("write", 0) + cache_b.get("write", 0),
        },
    }


def norm_tokens(t) -> dict:
    return add_tokens(zero_tokens(), t if isinstance(t, dict) else {})


class ApiError(Exception):
    def __init__(self, status: int, tag: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"_tag": tag, "message": message, **extra}


def invalid(message: str, field: str | None = None) -> ApiError:
    extra = {"field": field} if field else {}
    return ApiError(400, "InvalidRequestError", message, **extra)


def not_found(path: str) -> ApiError:
    return ApiError(404, "NotFoundError", f"No route for {path}")


# --------------------------------------------------------------------------------------------
# paging


def encode_cursor(order: str, direction: str, key) -> str:
    raw = json.dumps(
        {"o": order, "d": direction, "k": list(key)}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        pad = "=" * (-len(cursor) % 4)
        obj = json.loads(base64.urlsafe_b64decode(cursor + pad))
        order, direction, key = obj["o"], obj["d"], tuple(obj["k"])
    except Exception:  # noqa: BLE001 -- any decoding failure means a bad cursor
        order = direction = key = None
    if (
        order not in ("asc", "desc")
        or direction not in ("next", "prev")
        or len(key or ()) != 2
    ):
        raise ApiError(400, "InvalidCursorError", "Invalid cursor")
    return order, direction, key


def parse_limit(value, default: int) -> int:
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise invalid("limit must be given once", "limit")
    try:
        n = int(value)
    except ValueError:
        raise invalid(f"limit must be an integer, got {value!r}", "limit") from None
    if n < 1:
        raise invalid("limit must be at least 1", "limit")
    return n


def paginate(items: list, keyfn, query: dict, default_order: str, default_limit: int):
    """Keyset paging; returns (page, {previous, next})."""
    limit = parse_limit(query.get("limit"), default_limit)
    cursor = query.get("cursor")
    if cursor:
        order, direction, anchor = decode_cursor(cursor)
    else:
        order = query.get("order") or default_order
        if order not in ("asc", "desc"):
            raise invalid("order must be asc or desc", "order")
        direction, anchor = None, None
    ordered = sorted(items, key=keyfn, reverse=(order == "desc"))
    keys = [tuple(keyfn(i)) for i in ordered]

    def after(k, a):  # k strictly after a in the chosen order
        return k > a if order == "asc" else k < a

    if direction is None:
        start, end = 0, min(limit, len(ordered))
    elif direction == "next":
        start = next((i for i, k in enumerate(keys) if after(k, anchor)), len(keys))
        end = min(start + limit, len(ordered))
    else:
        end = next((i for i, k in enumerate(keys) if not after(anchor, k)), len(keys))
        start = max(0, end - limit)
    page = ordered[start:end]
    prev_c = encode_cursor(order, "prev", keys[start]) if page and start > 0 else None
    next_c = (
        encode_cursor(order, "next", keys[end - 1])
        if page and end < len(ordered)
        else None
    )
    return page, {"previous": prev_c, "next": next_c}


# --------------------------------------------------------------------------------------------
# state


class Subscriber:
    def __init__(self):
        self.q: queue.Queue = queue.Queue(maxsize=SUBSCRIBER_BUFFER)
        self.overflowed = False


class StandIn:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.version = args.version
        self.password = args.password
        self.url = ""
        self.default_directory = os.getcwd()
        self.sessions: dict[str, dict] = {}
        self.messages: dict[str, list] = {}  # sessionID -> [message]
        self.running: set[str] = set()
        self.permissions: dict[str, dict] = {}  # id -> {"request", "event_name"}
        self.forms: dict[str, dict] = {}  # id -> {"info", "state"}
        self.seq: dict[str, int] = {}
        self.prompts: list = []
        self.calls: list = []
        self.subscribers: set[Subscriber] = set()
        self.flags = {"pre_ga_reply": False, "models": [dict(DEFAULT_MODEL)]}
        self.registration_path: str | None = None

    # ---- events ------------------------------------------------------------------------
    def envelope(self, etype: str, data, location=None, durable=None) -> dict:
        env = {"id": new_id("evt"), "type": etype, "created": now_ms()}
        if location:
            env["location"] = location
        if durable:
            env["durable"] = durable
        env["data"] = data
        return env

    def broadcast_line(self, line: str):
        with self.lock:
            subs = list(self.subscribers)
        for sub in subs:
            try:
                sub.q.put_nowait(line)
            except queue.Full:
                sub.overflowed = True  # volatile by contract: the stream fails

    def emit(
        self,
        etype: str,
        data,
        session_id: str | None = None,
        location=None,
        durable=None,
    ):
        with self.lock:
            if session_id and location is None and session_id in self.sessions:
                location = dict(self.sessions[session_id]["location"])
            if (
                session_id
                and durable is None
                and etype.startswith("session.")
                and etype not in EPHEMERAL_SESSION_EVENTS
            ):
                self.seq[session_id] = self.seq.get(session_id, 0) + 1
                durable = {
                    "aggregateID": session_id,
                    "seq": self.seq[session_id],
                    "version": 1,
                }
            env = self.envelope(etype, data, location, durable)
            self.broadcast_line(json.dumps(env, separators=(",", ":")))
        return env

    # ---- helpers -----------------------------------------------------------------------
    def session(self, sid) -> dict:
        s = self.sessions.get(sid) if isinstance(sid, str) else None
        if s is None:
            raise ApiError(
                404,
                "SessionNotFoundError",
                f"Session not found: {sid}",
                sessionID=str(sid),
            )
        return s

    def touch(self, sid: str):
        self.sessions[sid]["time"]["updated"] = max(
            now_ms(), self.sessions[sid]["time"]["updated"] + 1
        )

    def directory_of(self, sid: str) -> str | None:
        s = self.sessions.get(sid)
        return s["location"]["directory"] if s else None

    def default_model_ref(self) -> dict:
        models = self.flags["models"] or [DEFAULT_MODEL]
        return {
            "id": models[0].get("id", "fake-model"),
            "providerID": models[0].get("providerID", "fake"),
        }

    def last_assistant(self, sid: str, create: bool) -> dict | None:
        for m in reversed(self.messages.get(sid, [])):
            if m["type"] == "assistant":
                return m
        if not create:
            return None
        s = self.sessions[sid]
        msg = {
            "id": new_id("msg"),
            "time": {"created": now_ms()},
            "type": "assistant",
            "agent": s.get("agent") or "build",
            "model": s.get("model") or self.default_model_ref(),
            "content": [],
        }
        self.messages.setdefault(sid, []).append(msg)
        return msg

    def drop_pending(
        self, sid: str | None = None, directory: str | None = None, reason: str = ""
    ):
        """Remove pending permissions/forms silently (no reply events)."""
        for pid in list(self.permissions):
            req = self.permissions[pid]["request"]
            if (sid is None or req["sessionID"] == sid) and (
                directory is None or self.directory_of(req["sessionID"]) == directory
            ):
                del self.permissions[pid]
        for f in self.forms.values():
            if f["state"]["status"] != "pending":
                continue
            info = f["info"]
            if (sid is None or info["sessionID"] == sid) and (
                directory is None or self.directory_of(info["sessionID"]) == directory
            ):
                f["state"] = (
                    {"status": "cancelled", "message": reason}
                    if reason
                    else {"status": "cancelled"}
                )

    def pending_forms(self):
        return [f for f in self.forms.values() if f["state"]["status"] == "pending"]

    def permission_view(self, req: dict) -> dict:
        """Permission.Request as the HTTP routes show it (spec: source {type, messageID, id})."""
        out = {k: v for k, v in req.items() if k != "source"}
        src = req.get("source")
        if isinstance(src, dict):
            out["source"] = {
                "type": src.get("type", "tool"),
                "messageID": src.get("messageID"),
                "id": src.get("id", src.get("callID")),
            }
        return out

    def locations(self) -> list:
        seen, out = set(), []
        for s in self.sessions.values():
            d = s["location"]["directory"]
            if d not in seen:
                seen.add(d)
                out.append({"directory": d})
        return out

    def state_dump(self) -> dict:
        return {
            "contract": CONTRACT,
            "sessions": list(self.sessions.values()),
            "messages": self.messages,
            "running": sorted(self.running),
            "permissions": [p["request"] for p in self.permissions.values()],
            "forms": [dict(f["info"], state=f["state"]) for f in self.forms.values()],
            "pending_forms": [f["info"] for f in self.pending_forms()],
            "prompts": self.prompts,
            "subscribers": len(self.subscribers),
            "flags": self.flags,
        }


# --------------------------------------------------------------------------------------------
# contract routes


def location_query(q: dict, app: StandIn) -> dict:
    d = q.get("location[directory]")
    return {"directory": d or app.default_directory}


def check_keys(body, allowed: set, required: set):
    if not isinstance(body, dict):
        raise invalid("Expected a JSON object body")
    extra = set(body) - allowed
    if extra:
        raise invalid(f"Unexpected key(s): {', '.join(sorted(extra))}", min(extra))
    missing = required - set(body)
    if missing:
        raise invalid(f"Missing key(s): {', '.join(sorted(missing))}", min(missing))


def validate_answer(form: dict, answer) -> None:
    fid = form["id"]

    def bad(msg):
        return ApiError(400, "FormInvalidAnswerError", msg, id=fid)

    if not isinstance(answer, dict):
        raise bad("answer must be an object")
    fields = {f["key"]: f for f in form["fields"]}
    for key, value in answer.items():
        field = fields.get(key)
        if field is None:
            raise bad(f"Unknown field: {key}")
        ftype = field.get("type")
        options = [o.get("value") for o in field.get("options") or []]
        custom = field.get("custom", False)
        if ftype in ("string", "external"):
            if not isinstance(value, str):
                raise bad(f"Field {key} expects a string")
            if ftype == "string" and options and not custom and value not in options:
                raise bad(f"Field {key}: {value!r} is not an option")
        elif ftype in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad(f"Field {key} expects a number")
            if ftype == "integer" and not float(value).is_integer():
                raise bad(f"Field {key} expects an integer")
        elif ftype == "boolean":
            if not isinstance(value, bool):
                raise bad(f"Field {key} expects a boolean")
        elif ftype == "multiselect":
            if not isinstance(value, list) or not all(
                isinstance(v, str) for v in value
            ):
                raise bad(f"Field {key} expects a list of strings")
            if options and not custom and any(v not in options for v in value):
                raise bad(f"Field {key}: not all values are options")
    for key, field in fields.items():
        if field.get("required") and key not in answer:
            raise bad(f"Missing required field: {key}")


def handle_contract(app: StandIn, method: str, parts: list, q: dict, body):
    """Returns (status, json_or_None)."""
    path = "/" + "/".join(parts)
    n = len(parts)
    if parts[:1] != ["api"]:
        raise not_found(path)
    with app.lock:
        if method == "GET" and parts == ["api", "info"]:
            pid = os.getpid() + (1 if app.args.pid_mismatch else 0)
            return 200, {
                "version": app.version,
                "pid": pid,
                "urls": [app.url],
                "paths": {"tmp": tempfile.gettempdir()},
            }

        if method == "GET" and parts == ["api", "debug", "location"]:
            return 200, app.locations()

        if method == "POST" and parts == ["api", "location", "reload"]:
            app.drop_pending()
            app.emit("location.shutdown", {})
            return 204, None

        if method == "GET" and parts == ["api", "model"]:
            return 200, {
                "location": location_query(q, app),
                "data": app.flags["models"],
            }

        if method == "GET" and parts == ["api", "permission", "request"]:
            loc = location_query(q, app)
            data = [
                app.permission_view(p["request"])
                for p in app.permissions.values()
                if app.directory_of(p["request"]["sessionID"]) == loc["directory"]
            ]
            return 200, {"location": loc, "data": data}

        if method == "GET" and parts == ["api", "form"]:
            loc = location_query(q, app)
            data = [
                f["info"]
                for f in app.pending_forms()
                if app.directory_of(f["info"]["sessionID"]) == loc["directory"]
            ]
            return 200, {"location": loc, "data": data}

        if parts[:2] != ["api", "session"]:
            raise not_found(path)

        if n == 2 and method == "GET":
            items = list(app.sessions.values())
            parent = q.get("parentID")
            if parent == "null":
                items = [s for s in items if not s.get("parentID")]
            elif parent:
                items = [s for s in items if s.get("parentID") == parent]
            if q.get("directory"):
                items = [
                    s for s in items if s["location"]["directory"] == q["directory"]
                ]
            if q.get("search"):
                needle = q["search"].lower()
                items = [s for s in items if needle in (s.get("title") or "").lower()]
            page, cursor = paginate(
                items, lambda s: (s["time"]["updated"], s["id"]), q, "desc", 50
            )
            return 200, {"data": page, "cursor": cursor}

        if n == 3 and parts[2] == "active" and method == "GET":
            return 200, {
                "data": {sid: {"type": "running"} for sid in sorted(app.running)}
            }

        if n < 3:
            raise not_found(path)
        sid = parts[2]

        if n == 3:
            s = app.session(sid)
            if method == "GET":
                return 200, {"data": s}
            if method == "PATCH":
                check_keys(body, {"title", "metadata", "permissions"}, set())
                if body.get("title") is not None:
                    s["title"] = str(body["title"])
                    app.touch(sid)
                    app.emit(
                        "session.renamed", {"sessionID": sid, "title": s["title"]}, sid
                    )
                return 204, None
            if method == "DELETE":
                delete_session(app, sid)
                return 204, None
            raise not_found(path)

        sub = parts[3]
        if sub == "message" and method == "GET":
            app.session(sid)
            msgs = app.messages.get(sid, [])
            if n == 5:
                for m in msgs:
                    if m["id"] == parts[4]:
                        return 200, {"data": m}
                raise ApiError(
                    404,
                    "MessageNotFoundError",
                    "Message not found",
                    sessionID=sid,
                    messageID=parts[4],
                )
            if n != 4:
                raise not_found(path)
            if q.get("type"):
                msgs = [m for m in msgs if m["type"] == q["type"]]
            page, cursor = paginate(
                msgs, lambda m: (m["time"]["created"], m["id"]), q, "asc", 100
            )
            return 200, {"data": page, "cursor": cursor}

        if sub == "permission":
            if n == 4 and method == "GET":
                app.session(sid)
                data = [
                    app.permission_view(p["request"])
                    for p in app.permissions.values()
                    if p["request"]["sessionID"] == sid
                ]
                return 200, {"data": data}
            if n == 5 and method == "GET":
                app.session(sid)
                p = app.permissions.get(parts[4])
                if p is None or p["request"]["sessionID"] != sid:
                    raise ApiError(
                        404,
                        "PermissionNotFoundError",
                        "Permission request not found",
                        requestID=parts[4],
                    )
                return 200, {"data": app.permission_view(p["request"])}
            if n == 6 and parts[5] == "reply" and method == "POST":
                return permission_reply(app, sid, parts[4], body)
            raise not_found(path)

        if sub == "form":
            if n == 4 and method == "GET":
                app.session(sid)
                return 200, {
                    "data": [
                        f["info"]
                        for f in app.pending_forms()
                        if f["info"]["sessionID"] == sid
                    ]
                }
            if n >= 5:
                fid = parts[4]
                app.session(sid)
                f = app.forms.get(fid)
                if f is None or f["info"]["sessionID"] != sid:
                    raise ApiError(404, "FormNotFoundError", "Form not found", id=fid)
                if n == 5 and method == "GET":
                    return 200, {"data": dict(f["info"], state=f["state"])}
                if n == 5 and method == "DELETE":
                    if f["state"]["status"] != "pending":
                        raise ApiError(
                            409,
                            "FormAlreadySettledError",
                            "Form already settled",
                            id=fid,
                        )
                    msg = q.get("message")
                    f["state"] = (
                        {"status": "cancelled", "message": msg}
                        if msg
                        else {"status": "cancelled"}
                    )
                    app.emit("form.cancelled", {"id": fid, "sessionID": sid}, sid)
                    return 204, None
                if n == 6 and parts[5] == "reply" and method == "POST":
                    check_keys(body, {"answer"}, {"answer"})
                    if f["state"]["status"] != "pending":
                        raise ApiError(
                            409,
                            "FormAlreadySettledError",
                            "Form already settled",
                            id=fid,
                        )
                    validate_answer(f["info"], body["answer"])
                    f["state"] = {"status": "answered", "answer": body["answer"]}
                    app.emit(
                        "form.replied",
                        {"id": fid, "sessionID": sid, "answer": body["answer"]},
                        sid,
                    )
                    return 204, None
            raise not_found(path)

        if n == 4 and sub == "interrupt" and method == "POST":
            resume = q.get("resume")
            if resume not in (None, "true", "false"):
                raise invalid("resume must be true or false", "resume")
            app.session(sid)
            if sid not in app.running:
                return 200, {"interrupted": False}
            end_execution(app, sid, "interrupted", reason="user")
            return 200, {"interrupted": True}

        if n == 4 and sub == "prompt" and method == "POST":
            check_keys(
                body,
                {
                    "id",
                    "text",
                    "files",
                    "agents",
                    "skills",
                    "metadata",
                    "delivery",
                    "resume",
                },
                {"text"},
            )
            if not isinstance(body["text"], str):
                raise invalid("text must be a string", "text")
            if body.get("delivery") not in (None, "steer", "queue"):
                raise invalid("delivery must be steer or queue", "delivery")
            app.session(sid)
            mid = body.get("id") or new_id("msg")
            if not str(mid).startswith("msg_"):
                raise invalid("id must start with msg_", "id")
            if any(m["id"] == mid for msgs in app.messages.values() for m in msgs):
                raise ApiError(
                    409,
                    "ConflictError",
                    f"Message id already exists: {mid}",
                    resource=mid,
                )
            created = now_ms()
            payload = {"text": body["text"]}
            files = []
            for f in body.get("files") or []:
                if isinstance(f, dict) and f.get("uri"):
                    att = {
                        "data": "",
                        "mime": "text/plain",
                        "source": {"type": "uri", "uri": f["uri"]},
                    }
                    if f.get("name"):
                        att["name"] = f["name"]
                    files.append(att)
            if files:
                payload["files"] = files
            for key in ("agents", "metadata"):
                if body.get(key):
                    payload[key] = body[key]
            if body.get("skills"):
                payload["skills"] = [
                    {"id": k.get("id"), "name": k.get("id")}
                    for k in body["skills"]
                    if isinstance(k, dict)
                ]
            inbox = {
                "id": mid,
                "sessionID": sid,
                "time": {"created": created},
                "type": "user",
                "payload": payload,
                "delivery": body.get("delivery") or "queue",
            }
            user_msg = {
                "id": mid,
                "time": {"created": created},
                "text": body["text"],
                "type": "user",
            }
            if files:
                user_msg["files"] = files
            app.messages.setdefault(sid, []).append(user_msg)
            app.prompts.append({"sessionID": sid, "body": body, "inbox": inbox})
            app.touch(sid)
            return 200, {"data": inbox}

    raise not_found(path)


def permission_reply(app: StandIn, sid: str, pid: str, body):
    if app.flags["pre_ga_reply"]:
        check_keys(body, {"reply"}, {"reply"})
        decision = body["reply"]
        field = "reply"
    else:
        check_keys(body, {"decision", "message"}, {"decision"})
        decision = body["decision"]
        field = "decision"
        if body.get("message") is not None and not isinstance(body["message"], str):
            raise invalid("message must be a string or null", "message")
    if decision not in ("once", "always", "reject"):
        raise invalid(f"{field} must be once, always or reject", field)
    app.session(sid)
    p = app.permissions.get(pid)
    if p is None or p["request"]["sessionID"] != sid:
        raise ApiError(
            404,
            "PermissionNotFoundError",
            "Permission request not found",
            requestID=pid,
        )
    del app.permissions[pid]
    name = (
        "permission.v2.replied"
        if p["event_name"] == "permission.v2.asked"
        else "permission.replied"
    )
    app.emit(name, {"sessionID": sid, "requestID": pid, "reply": decision}, sid)
    return 204, None


def end_execution(app: StandIn, sid: str, outcome: str, error=None, reason=None):
    app.running.discard(sid)
    app.drop_pending(sid=sid)
    s = app.sessions[sid]
    s["outcome"] = outcome
    s["time"]["idle"] = now_ms()
    app.touch(sid)
    data = {"sessionID": sid}
    if outcome == "failed":
        data["error"] = (
            error
            if isinstance(error, dict)
            else {"type": "unknown", "message": str(error or "failed")}
        )
    if outcome == "interrupted":
        data["reason"] = reason or "user"
    app.emit(f"session.execution.{outcome}", data, sid)


def delete_session(app: StandIn, sid: str):
    children = [c for c, s in app.sessions.items() if s.get("parentID") == sid]
    for c in children:
        delete_session(app, c)
    if sid not in app.sessions:
        return
    app.drop_pending(sid=sid)
    app.running.discard(sid)
    app.emit("session.deleted", {"sessionID": sid}, sid)
    del app.sessions[sid]
    app.messages.pop(sid, None)


# --------------------------------------------------------------------------------------------
# control routes


def question_form(sid: str, body: dict, app: StandIn) -> dict:
    fields = []
    for i, qd in enumerate(body["questions"]):
        field = {
            "key": f"q{i}",
            "title": qd.get("header", f"Question {i + 1}"),
            "description": qd.get("question", ""),
            "type": "multiselect" if qd.get("multiple") else "string",
            "options": [
                {
                    "value": o["label"],
                    "label": o["label"],
                    **(
                        {"description": o["description"]}
                        if o.get("description")
                        else {}
                    ),
                }
                for o in qd.get("options", [])
            ],
            "custom": True,
        }
        fields.append(field)
    msg = app.last_assistant(sid, create=True)
    return {
        "title": "Questions",
        "metadata": {
            "kind": "question",
            "tool": {
                "messageID": msg["id"],
                "id": body.get("callID") or new_id("call"),
            },
        },
        "fields": fields,
    }


def handle_control(app: StandIn, method: str, route: str, body):
    if method == "GET" and route == "calls":
        with app.lock:
            return {"calls": list(app.calls)}
    if method == "GET" and route == "state":
        with app.lock:
            return json.loads(json.dumps(app.state_dump()))
    if method != "POST":
        raise not_found(f"/__standin/{route}")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid("control bodies are JSON objects")
    with app.lock:
        if route == "session":
            sid = body.get("id") or new_id("ses")
            if sid in app.sessions:
                raise ApiError(
                    409, "ConflictError", f"Session exists: {sid}", resource=sid
                )
            parent = body.get("parentID")
            directory = body.get("directory")
            if parent:
                directory = directory or app.session(parent)["location"]["directory"]
            if not directory:
                raise invalid("directory is required", "directory")
            t = now_ms()
            info = {"id": sid}
            if parent:
                info["parentID"] = parent
            info["projectID"] = (
                "prj_" + hashlib.sha1(directory.encode()).hexdigest()[:16]
            )
            if body.get("agent"):
                info["agent"] = body["agent"]
            if body.get("model"):
                info["model"] = body["model"]
            info["cost"] = 0
            info["tokens"] = zero_tokens()
            info["time"] = {"created": t, "updated": t}
            if body.get("title"):
                info["title"] = body["title"]
            info["location"] = {"directory": directory}
            app.sessions[sid] = info
            app.messages[sid] = []
            app.emit("session.created", json.loads(json.dumps(info)), sid)
            return info

        if route == "rename":
            sid = body.get("sessionID")
            s = app.session(sid)
            s["title"] = body.get("title", "")
            app.touch(sid)
            app.emit("session.renamed", {"sessionID": sid, "title": s["title"]}, sid)
            return {"ok": True}

        if route == "delete":
            sid = body.get("sessionID")
            app.session(sid)
            delete_session(app, sid)
            return {"ok": True}

        if route == "run":
            sid = body.get("sessionID")
            s = app.session(sid)
            app.running.add(sid)
            s.pop("outcome", None)
            app.touch(sid)
            app.emit("session.execution.started", {"sessionID": sid}, sid)
            return {"ok": True}

        if route == "step":
            sid = body.get("sessionID")
            s = app.session(sid)
            cost = body.get("cost", 0) or 0
            tokens = norm_tokens(body.get("tokens"))
            model = body.get("model") or s.get("model") or app.default_model_ref()
            agent = body.get("agent") or s.get("agent") or "build"
            mid = new_id("msg")
            t = now_ms()
            msg = {
                "id": mid,
                "time": {"created": t},
                "type": "assistant",
                "agent": agent,
                "model": model,
                "content": [],
            }
            app.messages.setdefault(sid, []).append(msg)
            app.emit(
                "session.step.started",
                {
                    "sessionID": sid,
                    "assistantMessageID": mid,
                    "agent": agent,
                    "model": model,
                },
                sid,
            )
            text = body.get("text")
            if text:
                base = {"sessionID": sid, "assistantMessageID": mid, "ordinal": 0}
                app.emit("session.text.started", dict(base), sid)
                app.emit("session.text.delta", dict(base, delta=text), sid)
                app.emit("session.text.ended", dict(base, text=text), sid)
                msg["content"].append({"type": "text", "text": text})
            msg.update({"finish": "stop", "cost": cost, "tokens": tokens})
            msg["time"]["completed"] = now_ms()
            app.emit(
                "session.step.ended",
                {
                    "sessionID": sid,
                    "assistantMessageID": mid,
                    "finish": "stop",
                    "cost": cost,
                    "tokens": tokens,
                },
                sid,
            )
            s["cost"] = s.get("cost", 0) + cost
            s["tokens"] = add_tokens(s.get("tokens") or zero_tokens(), tokens)
            app.touch(sid)
            app.emit(
                "session.usage.updated",
                {"sessionID": sid, "cost": s["cost"], "tokens": s["tokens"]},
                sid,
            )
            return {"messageID": mid}

        if route == "tool":
            sid = body.get("sessionID")
            app.session(sid)
            call = body.get("callID") or new_id("call")
            name = body.get("name") or "tool"
            tool_input = (
                body.get("input") if isinstance(body.get("input"), dict) else {}
            )
            msg = app.last_assistant(sid, create=True)
            t = now_ms()
            msg["content"].append(
                {
                    "type": "tool",
                    "id": call,
                    "name": name,
                    "executed": True,
                    "state": {"status": "running", "input": tool_input, "metadata": {}},
                    "time": {"created": t, "ran": t},
                }
            )
            base = {"sessionID": sid, "assistantMessageID": msg["id"], "callID": call}
            app.emit("session.tool.input.started", dict(base, name=name), sid)
            app.emit(
                "session.tool.called", dict(base, input=tool_input, executed=True), sid
            )
            app.touch(sid)
            return {"callID": call, "messageID": msg["id"]}

        if route == "tool_done":
            sid = body.get("sessionID")
            app.session(sid)
            call = body.get("callID")
            part, owner = None, None
            for m in app.messages.get(sid, []):
                for c in m.get("content", []):
                    if c.get("type") == "tool" and c.get("id") == call:
                        part, owner = c, m
            if part is None:
                raise ApiError(404, "NotFoundError", f"No tool call {call} in {sid}")
            base = {"sessionID": sid, "assistantMessageID": owner["id"], "callID": call}
            part["time"]["completed"] = now_ms()
            tool_input = part["state"].get("input", {})
            if body.get("failed"):
                err = (
                    body.get("error")
                    if isinstance(body.get("error"), dict)
                    else {
                        "type": "tool",
                        "message": str(body.get("error") or "tool failed"),
                    }
                )
                part["state"] = {"status": "error", "input": tool_input, "error": err}
                app.emit("session.tool.failed", dict(base, error=err), sid)
            else:
                content = [{"type": "text", "text": str(body.get("output", ""))}]
                part["state"] = {
                    "status": "completed",
                    "input": tool_input,
                    "content": content,
                    "metadata": {},
                }
                app.emit(
                    "session.tool.success",
                    dict(base, structured={}, content=content),
                    sid,
                )
            app.touch(sid)
            return {"ok": True}

        if route == "permission":
            sid = body.get("sessionID")
            app.session(sid)
            req = {
                "id": body.get("id") or new_id("per"),
                "sessionID": sid,
                "action": body.get("action", "shell"),
                "resources": list(body.get("resources") or []),
            }
            if body.get("save") is not None:
                req["save"] = list(body["save"])
            if body.get("metadata") is not None:
                req["metadata"] = body["metadata"]
            if isinstance(body.get("source"), dict):
                req["source"] = body["source"]
            elif body.get("callID"):
                msg = app.last_assistant(sid, create=True)
                req["source"] = {
                    "type": "tool",
                    "messageID": msg["id"],
                    "callID": body["callID"],
                }
            if body.get("message"):
                req["message"] = body["message"]
            name = body.get("name") or "permission.asked"
            app.permissions[req["id"]] = {"request": req, "event_name": name}
            app.emit(name, json.loads(json.dumps(req)), sid)
            return app.permission_view(req)

        if route == "form":
            sid = body.get("sessionID")
            if sid != "global":
                app.session(sid)
            if body.get("questions"):
                spec = question_form(sid, body, app)
            elif body.get("mode") == "url":
                spec = {
                    "title": body.get("title") or "Open link",
                    "fields": [
                        {
                            "key": "url",
                            "type": "external",
                            "url": body.get("url", ""),
                            "title": body.get("title") or "Open link",
                        }
                    ],
                }
            else:
                fields = body.get("fields") or [
                    {
                        "key": "answer",
                        "type": "string",
                        "title": "Answer",
                        "required": True,
                    }
                ]
                spec = {"title": body.get("title") or "Form", "fields": fields}
            info = {
                "id": body.get("id") or new_id("frm"),
                "sessionID": sid,
                "title": spec["title"],
            }
            meta = (
                body.get("metadata")
                if body.get("metadata") is not None
                else spec.get("metadata")
            )
            if meta is not None:
                info["metadata"] = meta
            info["fields"] = spec["fields"]
            app.forms[info["id"]] = {"info": info, "state": {"status": "pending"}}
            app.emit(
                "form.created",
                {"form": json.loads(json.dumps(info))},
                sid if sid in app.sessions else None,
            )
            return info

        if route == "finish":
            sid = body.get("sessionID")
            app.session(sid)
            outcome = body.get("outcome", "succeeded")
            if outcome not in ("succeeded", "failed", "interrupted"):
                raise invalid(
                    "outcome must be succeeded, failed or interrupted", "outcome"
                )
            end_execution(
                app, sid, outcome, error=body.get("error"), reason=body.get("reason")
            )
            return {"ok": True}

        if route == "retry":
            sid = body.get("sessionID")
            app.session(sid)
            msg = app.last_assistant(sid, create=True)
            attempt = int(body.get("attempt", 1))
            err = (
                body.get("error")
                if isinstance(body.get("error"), dict)
                else {
                    "type": "api",
                    "message": str(body.get("error") or "rate limited"),
                }
            )
            at = body.get("at") or now_ms() + 1000 * attempt
            msg["retry"] = {"attempt": attempt, "at": at, "error": err}
            app.emit(
                "session.retry.scheduled",
                {
                    "sessionID": sid,
                    "assistantMessageID": msg["id"],
                    "attempt": attempt,
                    "at": at,
                    "error": err,
                },
                sid,
            )
            return {"ok": True, "messageID": msg["id"]}

        if route == "compaction":
            sid = body.get("sessionID")
            app.session(sid)
            reason = body.get("reason", "auto")
            app.emit(
                "session.compaction.started", {"sessionID": sid, "reason": reason}, sid
            )
            app.emit(
                "session.compaction.ended",
                {
                    "sessionID": sid,
                    "reason": reason,
                    "text": body.get("text", "Summary."),
                },
                sid,
            )
            app.touch(sid)
            return {"ok": True}

        if route == "emit":
            env = app.envelope(
                body.get("type", "unknown.event"),
                body.get("data", {}),
                body.get("location"),
                body.get("durable"),
            )
            app.broadcast_line(json.dumps(env, separators=(",", ":")))
            return env

        if route == "raw":
            app.broadcast_line(str(body.get("line", "")))
            return {"ok": True}

        if route == "reload":
            directory = body.get("directory")
            app.drop_pending(directory=directory)
            loc = {"directory": directory} if directory else None
            app.emit("location.shutdown", {}, location=loc)
            return {"ok": True}

        if route == "forget":
            sid = body.get("sessionID")
            if sid:
                app.session(sid)
                app.running.discard(sid)
            else:
                app.running.clear()
            app.drop_pending(sid=sid)
            return {"ok": True}

        if route == "cut":
            subs = list(app.subscribers)
            for sub in subs:
                try:
                    sub.q.put_nowait(_CUT)
                except queue.Full:
                    sub.overflowed = True
            return {"ok": True, "cut": len(subs)}

        if route == "flags":
            if "pre_ga_reply" in body:
                app.flags["pre_ga_reply"] = bool(body["pre_ga_reply"])
            if "models" in body:
                app.flags["models"] = list(body["models"] or [])
            return dict(app.flags)

        if route == "clear_calls":
            app.calls.clear()
            return {"ok": True}

    raise not_found(f"/__standin/{route}")


# --------------------------------------------------------------------------------------------
# HTTP


def make_handler(app: StandIn):
    expected = "Basic " + base64.b64encode(f"opencode:{app.password}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "opencode-v2-standin"
        sys_version = ""

        def log_message(self, fmt, *args):  # requests are logged by _log
            pass

        def _log(self, status):
            path = self.path.split("?", 1)[0]
            sys.stderr.write(f"[v2-standin] {self.command} {path} -> {status}\n")

        def _send(self, status: int, obj=None, raw: bytes | None = None):
            body = (
                raw
                if raw is not None
                else (b"" if obj is None else json.dumps(obj).encode())
            )
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 204:
                self.wfile.write(body)
            self._log(status)

        def _auth_ok(self) -> bool:
            got = self.headers.get("Authorization", "")
            return secrets.compare_digest(got.encode(), expected.encode())

        def _read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            if not raw:
                return None, True
            try:
                return json.loads(raw), True
            except ValueError:
                return raw.decode("utf-8", "replace"), False

        def _dispatch(self):
            split = urllib.parse.urlsplit(self.path)
            parts = [urllib.parse.unquote(p) for p in split.path.split("/") if p]
            q = {}
            for k, v in urllib.parse.parse_qs(
                split.query, keep_blank_values=True
            ).items():
                q[k] = v[0] if len(v) == 1 else v
            body, body_ok = (None, True)
            if self.command in ("POST", "PATCH", "PUT", "DELETE"):
                body, body_ok = self._read_body()
            if not self._auth_ok():
                self._send(
                    401,
                    {"_tag": "UnauthorizedError", "message": "Authentication required"},
                )
                return
            is_control = parts[:1] == ["__standin"]
            if self.command == "GET" and parts == ["api", "event"]:
                self._sse()
                return
            status, payload = 500, None
            try:
                if not body_ok:
                    raise invalid("Request body is not valid JSON")  # noqa: TRY301
                if is_control:
                    status, payload = (
                        200,
                        handle_control(app, self.command, "/".join(parts[1:]), body),
                    )
                else:
                    status, payload = handle_contract(app, self.command, parts, q, body)
            except ApiError as e:
                status, payload = e.status, e.body
            except Exception as e:  # noqa: BLE001 -- a stand-in bug: say so loudly
                status, payload = (
                    500,
                    {"_tag": "UnknownError", "message": f"stand-in error: {e!r}"},
                )
            if not is_control and self.command != "GET":
                with app.lock:
                    app.calls.append(
                        {
                            "method": self.command,
                            "path": split.path,
                            "query": q,
                            "body": body,
                            "status": status,
                        }
                    )
            self._send(status, payload)

        def _chunk(self, data: bytes):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _sse(self):
            sub = Subscriber()
            hello = app.envelope("server.connected", {})
            sub.q.put_nowait(json.dumps(hello, separators=(",", ":")))
            with app.lock:
                app.subscribers.add(sub)
            self.close_connection = True
            abrupt = False
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._log(200)
                while True:
                    if sub.overflowed:
                        abrupt = True
                        break
                    try:
                        item = sub.q.get(timeout=app.args.heartbeat)
                    except queue.Empty:
                        self._chunk(b": heartbeat\n\n")
                        continue
                    if item is _CUT:
                        abrupt = True
                        break
                    if item is _CLOSE:
                        break
                    self._chunk(b"data: " + item.encode() + b"\n\n")
            except OSError:  # BrokenPipeError, ConnectionResetError
                abrupt = True
            finally:
                with app.lock:
                    app.subscribers.discard(sub)
                try:
                    if abrupt:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    else:
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                except OSError:
                    pass

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

    return Handler


# --------------------------------------------------------------------------------------------
# registration and main


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(base, "opencode")


def config_dir() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
        os.path.expanduser("~"), ".config"
    )
    return os.path.join(base, "opencode")


def write_private_json(path: str, obj: dict):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=".service.", suffix=".tmp", dir=os.path.dirname(path)
    )
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_registration(path: str | None):
    if not path:
        return
    try:
        with open(path) as f:
            reg = json.load(f)
        if reg.get("pid") == os.getpid():
            os.unlink(path)
    except Exception:  # noqa: BLE001 -- unreadable or foreign file: leave it
        pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="OpenCode 2 stand-in (" + CONTRACT + ")")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--password", default=None)
    ap.add_argument("--version", default="2.0.22")
    ap.add_argument("--channel", default="latest")
    ap.add_argument(
        "--password-in",
        choices=["registration", "config", "both"],
        default="registration",
    )
    ap.add_argument("--no-register", action="store_true")
    ap.add_argument("--heartbeat", type=float, default=15.0)
    ap.add_argument("--pid-mismatch", action="store_true")
    args = ap.parse_args(argv)
    if not args.password:
        args.password = (
            base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        )

    app = StandIn(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(app))
    server.daemon_threads = True
    port = server.server_address[1]
    app.url = f"http://127.0.0.1:{port}"

    if not args.no_register:
        name = (
            "service.json"
            if args.channel in ("latest", "next")
            else f"service-{args.channel}.json"
        )
        reg = {
            "id": new_id("svc"),
            "version": args.version,
            "url": app.url,
            "pid": os.getpid(),
        }
        if args.password_in in ("registration", "both"):
            reg["password"] = args.password
        reg["startedAt"] = now_ms()
        app.registration_path = os.path.join(state_dir(), name)
        write_private_json(app.registration_path, reg)
    if args.password_in in ("config", "both"):
        write_private_json(
            os.path.join(config_dir(), "service.json"), {"password": args.password}
        )

    stopping = threading.Event()

    def on_signal(signum, frame):
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sys.stdout.write(f"READY {app.url}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        with app.lock:
            subs = list(app.subscribers)
        for sub in subs:
            try:
                sub.q.put_nowait(_CLOSE)
            except queue.Full:
                sub.overflowed = True
        remove_registration(app.registration_path)
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
