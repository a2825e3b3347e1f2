"""A fake OpenCode Lookout agent speaking protocol v1 over a real websocket."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

SERVER_ID = "3f1c2a9e8b7d4c60a1e2f3b4c5d6e7f8"
TOKEN = "p3Xb-fake-token"
ROOT_ID = "ses_root"
CHILD_ID = "ses_child"


def make_permission(**overrides: Any) -> dict[str, Any]:
    """Return a PERMISSION object."""
    return {
        "id": "per_1",
        "session_id": CHILD_ID,
        "permission": "bash",
        "patterns": ["rm -rf build"],
        "always": ["rm *"],
        "title": "bash: rm -rf build",
        "created": "2026-11-22T05:00:01Z",
        **overrides,
    }


def make_question(**overrides: Any) -> dict[str, Any]:
    """Return a QUESTION object."""
    return {
        "id": "que_1",
        "session_id": ROOT_ID,
        "created": "2026-11-22T05:00:01Z",
        "questions": [
            {
                "question": "Which database?",
                "header": "Database",
                "multiple": False,
                "options": [
                    {"label": "Postgres", "description": "the default"},
                    {"label": "SQLite", "description": ""},
                ],
            }
        ],
        **overrides,
    }


def make_session(session_id: str = ROOT_ID, **overrides: Any) -> dict[str, Any]:
    """Return a SESSION object (an idle root session active now, unless overridden)."""
    now = datetime.now(UTC).isoformat()
    session = {
        "id": session_id,
        "parent_id": None,
        "root_id": session_id,
        "is_child": False,
        "instance_id": "plugin-4242",
        "title": "Fix the build",
        "directory": "/home/me/proj",
        "project": "proj",
        "state": "idle",
        "model": "fake/fake-model",
        "agent": "build",
        "current_agent": None,
        "current_tool": None,
        "tokens_input": 1800,
        "tokens_output": 400,
        "tokens_reasoning": 0,
        "tokens_cache_read": 200,
        "tokens_cache_write": 0,
        "cost": 0.01146,
        "cost_total": 0.02292,
        "context_used": 1200,
        "context_limit": 100000,
        "files_changed": 2,
        "lines_added": 10,
        "lines_removed": 3,
        "created": now,
        "last_activity": now,
        "hostname": "devbox",
        "opencode_version": "1.18.33",
        "permission": None,
        "pending_permissions": [],
        "question": None,
        "error": None,
        "available": True,
    }
    session.update(overrides)
    return session


class FakeAgent:
    """Serve hello/auth/subscribe/commands on 127.0.0.1 and record what it got."""

    def __init__(self) -> None:
        """Start with one idle root session and one child session."""
        self.token = TOKEN
        self.hello: dict[str, Any] = {
            "type": "hello",
            "server_id": SERVER_ID,
            "hostname": "devbox",
            "version": "0.1.0",
            "schema": 1,
            "min_schema": 1,
        }
        self.sessions: dict[str, dict[str, Any]] = {
            ROOT_ID: make_session(),
            CHILD_ID: make_session(
                CHILD_ID, parent_id=ROOT_ID, root_id=ROOT_ID, is_child=True
            ),
        }
        self.received: list[dict[str, Any]] = []
        self.errors: dict[str, dict[str, str]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        self.subscribers: set[web.WebSocketResponse] = set()
        self.connections = 0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    async def start(self) -> None:
        """Listen on 127.0.0.1 (the same port again after a stop)."""
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        await self.drop_clients()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_clients(self, code: int = 1001) -> None:
        """Close all client connections (like an agent restart)."""
        for ws in list(self._sockets):
            await ws.close(code=code)
        self.subscribers.clear()

    async def push(self, event: str, **fields: Any) -> None:
        """Send an event to every subscribed client."""
        frame = {"type": "event", "event": event, **fields}
        for ws in list(self.subscribers):
            with contextlib.suppress(ConnectionError):
                await ws.send_json(frame)

    async def update_session(self, session_id: str = ROOT_ID, **changes: Any) -> None:
        """Change a session and push session_updated."""
        session = self.sessions.setdefault(session_id, make_session(session_id))
        session.update(changes)
        await self.push("session_updated", session=copy.deepcopy(session))

    async def remove_session(self, session_id: str, reason: str = "deleted") -> None:
        """Forget a session and push session_removed."""
        self.sessions.pop(session_id, None)
        await self.push("session_removed", session_id=session_id, reason=reason)

    def commands(self, kind: str) -> list[dict[str, Any]]:
        """Return the received commands of one type."""
        return [c for c in self.received if c.get("type") == kind]

    def _snapshot(self) -> dict[str, Any]:
        """Return the subscribe result."""
        return {
            "sessions": copy.deepcopy(list(self.sessions.values())),
            "instances": [{"id": "plugin-4242", "kind": "plugin", "connected": True}],
        }

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        """Run one client connection."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self._sockets.add(ws)
        try:
            await self._serve(ws)
        finally:
            self._sockets.discard(ws)
            self.subscribers.discard(ws)
        return ws

    async def _serve(self, ws: web.WebSocketResponse) -> None:
        """Handshake, then answer commands until the client leaves."""
        await ws.send_json(self.hello)
        msg = await ws.receive()
        if msg.type is not WSMsgType.TEXT:
            return
        auth = msg.json()
        if auth.get("type") != "auth" or auth.get("token") != self.token:
            await ws.send_json({"type": "auth_failed", "reason": "invalid_token"})
            await ws.close(code=4001)
            return
        await ws.send_json({"type": "auth_ok"})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            frame = msg.json()
            self.received.append(frame)
            await self._answer(ws, frame)

    async def _answer(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        """Send the result of one command."""
        kind, cmd_id = frame.get("type"), frame.get("id")
        if kind in self.errors:
            await ws.send_json(
                {
                    "type": "result",
                    "id": cmd_id,
                    "ok": False,
                    "error": self.errors[kind],
                }
            )
            return
        if kind == "subscribe":
            self.subscribers.add(ws)
            result: dict[str, Any] = self._snapshot()
        elif kind == "hang":
            return  # never answered
        else:
            result = self.results.get(kind, {})
        await ws.send_json(
            {"type": "result", "id": cmd_id, "ok": True, "result": result}
        )
