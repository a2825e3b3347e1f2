"""A fake OpenCode Lookout agent: schema 3 over TLS, every frame built from the golden files.

Frames come from tests/fixtures/protocol/*.json (written by the Rust side): a frame is a
copy of its golden file with some values changed, never a new key, so the fake cannot
drift from the real agent. It serves wss:// with a self-signed certificate made here
(or plaintext when asked, to play a man in the middle) and records what it received.
Like the agent, it sends a session whole the first time and then only what changed
(session_changed); every subscriber sees the same frames, so "seen" is shared.
"""

import contextlib
import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hashlib
import json
import math
from pathlib import Path
import ssl
import tempfile
from typing import Any

from aiohttp import WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

GOLDEN = Path(__file__).parents[1] / "fixtures" / "protocol"


def golden(name: str) -> dict[str, Any]:
    """Return a fresh copy of one golden frame (name without .json)."""
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


def _fill(template: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return template with overrides; a key the golden frame lacks is a test bug."""
    unknown = set(overrides) - set(template)
    assert not unknown, f"not in the golden frame: {sorted(unknown)}"
    return {**template, **overrides}


CONSTANTS = golden("constants")
CLOSE: dict[str, int] = CONSTANTS["close_codes"]
SERVER_ID: str = golden("hello")["server_id"]
TOKEN: str = golden("auth")["token"]
ROOT_ID = "ses_root"
CHILD_ID = "ses_child"
_SNAPSHOT = golden("result_ok_list_sessions")["result"]
_SESSION: dict[str, Any] = _SNAPSHOT["sessions"][0]
_PERMISSION: dict[str, Any] = _SESSION["pending_permissions"][0]
_QUESTION: dict[str, Any] = next(
    s["question"] for s in _SNAPSHOT["sessions"] if s["question"] is not None
)
_INSTANCE: dict[str, Any] = _SNAPSHOT["instances"][0]
_USAGE: dict[str, Any] = _SNAPSHOT["usage"]
INSTANCE_ID: str = _INSTANCE["id"]
# Results of the commands that return more than {} (shape of their golden files).
_DEFAULT_RESULTS = {
    "get_messages": _fill(golden("result_ok_get_messages")["result"], {"messages": []})
}


def timestamp(when: datetime | None = None) -> str:
    """Return a timestamp as the agent writes it (RFC 3339 UTC, milliseconds, Z)."""
    when = when or datetime.now(UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_permission(**overrides: Any) -> dict[str, Any]:
    """Return a PERMISSION object (a sub-agent's `rm -rf build`, id per_1)."""
    return _fill(_PERMISSION, {"id": "per_1", "session_id": CHILD_ID, **overrides})


def make_question(**overrides: Any) -> dict[str, Any]:
    """Return a QUESTION object (Postgres or SQLite, id que_1)."""
    return _fill(
        copy.deepcopy(_QUESTION), {"id": "que_1", "session_id": ROOT_ID, **overrides}
    )


def make_instance(**overrides: Any) -> dict[str, Any]:
    """Return an INSTANCE object (the golden plugin on OpenCode 1.18.33, unless overridden)."""
    return _fill(copy.deepcopy(_INSTANCE), overrides)


def make_session(session_id: str = ROOT_ID, **overrides: Any) -> dict[str, Any]:
    """Return a SESSION object (an idle root session active now, unless overridden)."""
    now = timestamp()
    base = {
        "id": session_id,
        "parent_id": None,
        "root_id": session_id,
        "is_child": False,
        "state": "idle",
        "current_agent": None,
        "current_tool": None,
        "created": now,
        "last_activity": now,
        "pending_permissions": [],
        "question": None,
        "error": None,
        "available": True,
        "todo": [],
        "todo_done": 0,
        "todo_total": 0,
    }
    return _fill(copy.deepcopy(_SESSION), {**base, **overrides})


def make_plan(*items: tuple[str, str]) -> dict[str, Any]:
    """Return the plan fields of a SESSION from (content, status) pairs.

    Without items, the golden plan (1 of 3 done); progress counted as the agent does.
    """
    todo = (
        copy.deepcopy(_SESSION["todo"])
        if not items
        else [{"content": c, "status": s, "priority": "medium"} for c, s in items]
    )
    return {
        "todo": todo,
        "todo_done": sum(t["status"] == "completed" for t in todo),
        "todo_total": sum(t["status"] != "cancelled" for t in todo),
    }


@dataclass(frozen=True)
class Identity:
    """A TLS certificate and key on disk, and the certificate's SHA-256 fingerprint."""

    cert: Path
    key: Path
    fingerprint: str

    def ssl_context(self) -> ssl.SSLContext:
        """Return a server context presenting this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_identity() -> Identity:
    """Generate a self-signed certificate for 127.0.0.1 (as the agent does on first run)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opencode-lookout")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="fake-agent-tls-"))
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    der = cert.public_bytes(serialization.Encoding.DER)
    return Identity(cert_path, key_path, hashlib.sha256(der).hexdigest())


# One identity for the whole test run: the agent that the entries are paired with.
IDENTITY = make_identity()
FINGERPRINT = IDENTITY.fingerprint


def pairing_string(
    port: int, fingerprint: str = FINGERPRINT, token: str = TOKEN
) -> str:
    """Return the string `opencode-lookout pair` prints."""
    return f"lookout1:{port}:{fingerprint}:{token}"


class FakeAgent:
    """Serve hello/auth/subscribe/commands on 127.0.0.1 and record what it got.

    identity: the certificate to present (IDENTITY by default, another one to play an
    impostor, None to serve plaintext ws:// like a passive man in the middle).
    """

    def __init__(self, identity: Identity | None = IDENTITY) -> None:
        """Start with one idle root session and one child session."""
        self.identity = identity
        self.token = TOKEN
        self.hello: dict[str, Any] = golden("hello")
        self.sessions: dict[str, dict[str, Any]] = {
            ROOT_ID: make_session(),
            CHILD_ID: make_session(
                CHILD_ID, parent_id=ROOT_ID, root_id=ROOT_ID, is_child=True
            ),
        }
        # The OpenCode instances the agent follows (the golden plugin until changed).
        self.instances: dict[str, dict[str, Any]] = {INSTANCE_ID: make_instance()}
        # The machine's totals (the golden ones until changed).
        self.usage: dict[str, Any] = copy.deepcopy(_USAGE)
        # Sessions the subscribers were sent whole (the snapshot or session_updated).
        self.seen: set[str] = set()
        # Every `auth` frame's token, right or wrong: an impostor must see none.
        self.auths: list[str] = []
        # Every command after auth, as sent.
        self.received: list[dict[str, Any]] = []
        # Command type -> {"code", "message"}: answer it with an error result.
        self.errors: dict[str, dict[str, str]] = {}
        # Command type -> result object (default {}).
        self.results: dict[str, dict[str, Any]] = {}
        # Command types never answered (to test timeouts and drops).
        self.silent: set[str] = set()
        # Seconds to announce in auth_failed rate_limited (None: check the token).
        self.rate_limited: int | None = None
        # Like the agent: refuse until this time, announcing the seconds left (rounded up).
        self.rate_limited_until: datetime | None = None
        self.subscribers: set[web.WebSocketResponse] = set()
        self.connections = 0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def fingerprint(self) -> str:
        """Return the fingerprint of the certificate presented ("" in plaintext)."""
        return self.identity.fingerprint if self.identity else ""

    @property
    def pairing(self) -> str:
        """Return the pairing string of this agent."""
        return pairing_string(self.port, self.fingerprint, self.token)

    async def start(self) -> None:
        """Listen on 127.0.0.1 (the same port again after a stop)."""
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        context = self.identity.ssl_context() if self.identity else None
        site = web.TCPSite(
            self._runner,
            "127.0.0.1",
            self.port,
            reuse_address=True,
            ssl_context=context,
        )
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        await self.drop_clients()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_clients(self, code: int = CLOSE["going_away"]) -> None:
        """Close all client connections (like an agent restart)."""
        for ws in list(self._sockets):
            await ws.close(code=code)
        self.subscribers.clear()

    async def push(self, event: str, **fields: Any) -> None:
        """Send an event (the golden frame with these values) to every subscriber."""
        await self.push_raw(_fill(golden(f"event_{event}"), fields))

    async def push_raw(self, frame: Any) -> None:
        """Send any JSON value to every subscriber (to test malformed frames)."""
        for ws in list(self.subscribers):
            with contextlib.suppress(ConnectionError):
                await ws.send_json(frame)

    async def update_session(self, session_id: str = ROOT_ID, **changes: Any) -> None:
        """Change a session and push it: whole if new, else what changed (if anything)."""
        session = self.sessions.setdefault(session_id, make_session(session_id))
        before = copy.deepcopy(session)
        session.update(_fill(session, changes))
        if session_id not in self.seen:
            self.seen.add(session_id)
            await self.push("session_updated", session=copy.deepcopy(session))
        elif changed := {k: v for k, v in session.items() if before[k] != v}:
            await self.push(
                "session_changed", session_id=session_id, fields=copy.deepcopy(changed)
            )

    async def remove_session(self, session_id: str, reason: str = "deleted") -> None:
        """Forget a session and push session_removed."""
        self.sessions.pop(session_id, None)
        self.seen.discard(session_id)
        await self.push("session_removed", session_id=session_id, reason=reason)

    async def start_run(
        self, session_id: str = ROOT_ID, root_id: str = ROOT_ID
    ) -> None:
        """A session starts working: its state first, then run_started."""
        await self.update_session(session_id, state="working", error=None)
        await self.push(
            "run_started",
            session_id=session_id,
            root_session_id=root_id,
            started=timestamp(),
        )

    async def finish_run(
        self,
        session_id: str = ROOT_ID,
        outcome: str = "completed",
        seconds: float = 1.0,
        error: dict[str, str] | None = None,
        root_id: str = ROOT_ID,
        reason: str | None = None,
    ) -> None:
        """A run ends (as the agent measured it): the state first, then run_finished."""
        await self.update_session(
            session_id, state="error" if outcome == "error" else "idle", error=error
        )
        finished = datetime.now(UTC)
        await self.push(
            "run_finished",
            session_id=session_id,
            root_session_id=root_id,
            outcome=outcome,
            started=timestamp(finished - timedelta(seconds=seconds)),
            finished=timestamp(finished),
            duration_ms=round(seconds * 1000),
            error=error,
            reason=reason,
        )

    async def add_usage(self, cost: float = 0.0, **tokens: int) -> None:
        """Count one more assistant message and push usage_updated."""
        usage = self.usage
        counters = {k for k in usage if k.startswith("tokens_")}
        assert set(tokens) <= counters, f"not a token counter: {sorted(tokens)}"
        for key, value in tokens.items():
            usage[key] += value
        usage["cost"] = round(usage["cost"] + cost, 6)
        usage["tokens"] = sum(usage[k] for k in usage if k.startswith("tokens_"))
        usage["messages"] += 1
        await self.push("usage_updated", usage=copy.deepcopy(usage))

    async def request_permission(
        self, root_id: str = ROOT_ID, **permission: Any
    ) -> dict[str, Any]:
        """Add a pending permission as the agent does: session_updated, then the event."""
        perm = make_permission(**permission)
        root = self.sessions[root_id]
        pending = [*root["pending_permissions"], perm]
        await self.update_session(
            root_id, pending_permissions=pending, state="waiting_permission"
        )
        await self.push(
            "permission_requested",
            session_id=perm["session_id"],
            root_session_id=root_id,
            permission_id=perm["id"],
        )
        return perm

    async def resolve_permission(
        self,
        permission_id: str = "per_1",
        root_id: str = ROOT_ID,
        reply: str | None = "once",
        by: str = "api",
    ) -> None:
        """Drop a pending permission: session_updated, then permission_resolved."""
        root = self.sessions[root_id]
        perm = next(p for p in root["pending_permissions"] if p["id"] == permission_id)
        pending = [p for p in root["pending_permissions"] if p["id"] != permission_id]
        state = "waiting_permission" if pending else "working"
        await self.update_session(root_id, pending_permissions=pending, state=state)
        await self.push(
            "permission_resolved",
            session_id=perm["session_id"],
            root_session_id=root_id,
            permission_id=permission_id,
            reply=reply,
            by=by,
        )

    async def ask_question(
        self, root_id: str = ROOT_ID, **question: Any
    ) -> dict[str, Any]:
        """Add a pending question: session_updated, then question_asked."""
        asked = make_question(**question)
        await self.update_session(root_id, question=asked, state="waiting_input")
        await self.push(
            "question_asked",
            session_id=asked["session_id"],
            root_session_id=root_id,
            question_id=asked["id"],
        )
        return asked

    async def connect_instance(self, **instance: Any) -> dict[str, Any]:
        """An OpenCode connects (or comes back, maybe updated): instance_connected."""
        connected = make_instance(connected=True, **instance)
        self.instances[connected["id"]] = connected
        await self.push("instance_connected", instance=copy.deepcopy(connected))
        return connected

    async def disconnect_instance(self, instance_id: str = INSTANCE_ID) -> None:
        """An OpenCode goes away (still listed, not connected): instance_disconnected."""
        self.instances[instance_id]["connected"] = False
        await self.push("instance_disconnected", instance_id=instance_id)

    def commands(self, kind: str) -> list[dict[str, Any]]:
        """Return the received commands of one type."""
        return [c for c in self.received if c.get("type") == kind]

    def _snapshot(self) -> dict[str, Any]:
        """Return the subscribe / list_sessions result."""
        return _fill(
            _SNAPSHOT,
            {
                "sessions": copy.deepcopy(list(self.sessions.values())),
                "instances": copy.deepcopy(list(self.instances.values())),
                "usage": copy.deepcopy(self.usage),
            },
        )

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
        if len(msg.data) > CONSTANTS["preauth_frame_limit"]:
            await ws.close(code=CLOSE["too_big"])
            return
        failed = self._check_auth(msg.data)
        if failed is not None:
            await ws.send_json(_fill(golden("auth_failed"), failed))
            await ws.close(code=CLOSE["auth_failed"])
            return
        await ws.send_json(golden("auth_ok"))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            try:
                frame = json.loads(msg.data)
            except ValueError:
                frame = None
            if not isinstance(frame, dict):
                await self._send_error(
                    ws, None, {"code": "bad_request", "message": "not a JSON object"}
                )
                continue
            self.received.append(frame)
            await self._answer(ws, frame)

    def _check_auth(self, text: str) -> dict[str, Any] | None:
        """Return the auth_failed fields for the first frame, None if it authenticates."""
        try:
            auth = json.loads(text)
        except ValueError:
            auth = None
        if isinstance(auth, dict) and auth.get("type") == "auth":
            self.auths.append(str(auth.get("token")))
        if self.rate_limited is not None:
            return {"reason": "rate_limited", "retry_after": self.rate_limited}
        if self.rate_limited_until is not None:
            left = (self.rate_limited_until - datetime.now(UTC)).total_seconds()
            if left > 0:
                return {"reason": "rate_limited", "retry_after": math.ceil(left)}
        if not isinstance(auth, dict):
            return {"reason": "bad_request", "retry_after": None}
        if auth.get("type") != "auth":
            return {"reason": "auth_required", "retry_after": None}
        if not isinstance(auth.get("token"), str):
            return {"reason": "bad_request", "retry_after": None}
        if auth["token"] != self.token:
            return {"reason": "invalid_token", "retry_after": None}
        return None

    async def _send_error(
        self, ws: web.WebSocketResponse, cmd_id: Any, error: dict[str, str]
    ) -> None:
        """Send an error result (the golden one with this id and error)."""
        template = golden("result_error")
        await ws.send_json(
            _fill(template, {"id": cmd_id, "error": _fill(template["error"], error)})
        )

    async def _answer(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        """Send the result of one command."""
        kind, cmd_id = frame.get("type"), frame.get("id")
        if kind in self.errors:
            await self._send_error(ws, cmd_id, self.errors[kind])
            return
        if kind == "subscribe":
            self.subscribers.add(ws)
            self.seen = set(self.sessions)
            result: dict[str, Any] = self._snapshot()
        elif kind == "list_sessions":
            result = self._snapshot()
        elif kind in self.silent:
            return
        else:
            result = self.results.get(kind, _DEFAULT_RESULTS.get(str(kind), {}))
        await ws.send_json(
            _fill(golden("result_ok_empty"), {"id": cmd_id, "result": result})
        )
