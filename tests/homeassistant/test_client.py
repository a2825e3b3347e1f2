"""The protocol client alone: pinned TLS, handshake, typed errors, pairing, reconnect."""

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import dataclasses
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, web
from fake_agent import (
    FINGERPRINT,
    IDENTITY,
    ROOT_ID,
    TOKEN,
    FakeAgent,
    golden,
    make_identity,
    pairing_string,
)
import pytest

from custom_components.opencode_lookout.client import (
    SCHEMA,
    BadRequest,
    CannotConnect,
    ErrorCode,
    FingerprintMismatch,
    IncompatibleSchema,
    InstanceConnected,
    InvalidAuth,
    InvalidPairing,
    LookoutClient,
    NotBusy,
    NotPending,
    OpencodeError,
    Pairing,
    ProtocolError,
    RateLimited,
    ReconnectLogic,
    Reply,
    SessionChanged,
    SessionUpdated,
    Snapshot,
    Timeout,
    TooLarge,
    TooManyRequests,
    Unavailable,
    UnknownCommand,
    async_fetch_server_info,
)
from custom_components.opencode_lookout.client.codec import decode, encode
from custom_components.opencode_lookout.client.frames import parse_server_frame
from custom_components.opencode_lookout.client.sessions import SessionView

type Script = Callable[[web.WebSocketResponse], Awaitable[None]]
HELLO = golden("hello")
AUTH_OK = golden("auth_ok")


@pytest.fixture
async def http() -> AsyncGenerator[ClientSession]:
    """Return an aiohttp session, closed after the test."""
    session = ClientSession()
    yield session
    await session.close()


@pytest.fixture
async def scripted(
    socket_enabled: None,
) -> AsyncGenerator[Callable[[Script], Awaitable[int]]]:
    """Start TLS servers (the paired certificate) that run a script per connection."""
    runners: list[web.AppRunner] = []

    async def start(script: Script) -> int:
        async def handle(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await script(ws)
            await ws.close()
            return ws

        app = web.Application()
        app.router.add_get("/", handle)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=IDENTITY.ssl_context())
        await site.start()
        runners.append(runner)
        return int(runner.addresses[0][1])

    yield start
    for runner in runners:
        await runner.cleanup()


def _client(
    http: ClientSession, port: int, fingerprint: str = FINGERPRINT
) -> LookoutClient:
    """Return a client paired with the test identity."""
    return LookoutClient(http, "127.0.0.1", port, TOKEN, fingerprint)


async def _connect(http: ClientSession, port: int, **kwargs: Any) -> LookoutClient:
    """Connect a client once (disconnected afterwards)."""
    client = _client(http, port)
    try:
        await client.connect(**kwargs)
    finally:
        await client.disconnect()
    return client


def _frames(*frames: Any) -> Script:
    """Return a script that sends frames (str as text) and reads on "READ"."""

    async def script(ws: web.WebSocketResponse) -> None:
        for frame in frames:
            if frame == "READ":
                await ws.receive()
            elif isinstance(frame, bytes):
                await ws.send_bytes(frame)
            elif isinstance(frame, str):
                await ws.send_str(frame)
            else:
                await ws.send_json(frame)

    return script


def _result_error(code: str) -> dict[str, Any]:
    """Return the golden error result of the subscribe command with another code."""
    frame = golden("result_error")
    frame.update(id=1, error={**frame["error"], "code": code})
    return frame


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ((), CannotConnect),
        (("not json",), ProtocolError),
        (([1, 2],), ProtocolError),
        ((golden("error"),), CannotConnect),
        ((AUTH_OK,), ProtocolError),
        (({"type": "hello"},), ProtocolError),
        (({**HELLO, "schema": SCHEMA + 1, "min_schema": SCHEMA + 1},), IncompatibleSchema),
        (({**HELLO, "schema": SCHEMA - 1, "min_schema": SCHEMA - 1},), IncompatibleSchema),
        ((HELLO, "READ", {**golden("auth_failed"), "reason": "invalid_token", "retry_after": None}), InvalidAuth),
        ((HELLO, "READ", golden("result_ok_empty")), ProtocolError),
        ((HELLO, "READ", b"\x00"), CannotConnect),
        ((HELLO, "READ", AUTH_OK, "READ", _result_error("bad_request")), BadRequest),
        ((HELLO, "READ", AUTH_OK, "READ", {**golden("result_ok_empty"), "id": 1}), ProtocolError),
    ],
)  # fmt: skip
async def test_handshake_errors(
    scripted, http: ClientSession, frames: tuple[Any, ...], error: type[Exception]
) -> None:
    """Every malformed or refused handshake raises its own typed error."""
    port = await scripted(_frames(*frames))
    with pytest.raises(error):
        await _connect(http, port)


@pytest.mark.parametrize(
    "frame",
    [
        {**HELLO, "hostname": ["SECRET"]},
        {**HELLO, "type": "SECRET"},
        {**golden("event_session_removed"), "reason": "SECRET"},
    ],
)
async def test_errors_carry_no_frame_content(
    scripted, http: ClientSession, frame: dict[str, Any]
) -> None:
    """A malformed frame is named by place, never by value (logs stay content-free)."""
    port = await scripted(_frames(frame))
    with pytest.raises(ProtocolError) as err:
        await _connect(http, port)
    assert "SECRET" not in str(err.value)
    assert "SECRET" not in repr(err.value.__cause__)


async def test_rate_limited_is_not_invalid_auth(scripted, http: ClientSession) -> None:
    """auth_failed rate_limited raises RateLimited with the agent's retry_after."""
    port = await scripted(_frames(HELLO, "READ", golden("auth_failed")))
    with pytest.raises(RateLimited) as err:
        await _connect(http, port)
    assert not isinstance(err.value, InvalidAuth)
    assert err.value.retry_after == golden("auth_failed")["retry_after"]


async def test_handshake_timeout(scripted, http: ClientSession) -> None:
    """An agent that never says hello times out as CannotConnect."""
    port = await scripted(_frames("READ"))
    with (
        patch(
            "custom_components.opencode_lookout.client.handshake.CONNECT_TIMEOUT", 0.05
        ),
        pytest.raises(CannotConnect),
    ):
        await _connect(http, port)


async def test_snapshot_skips_frames_before_result(
    scripted, http: ClientSession
) -> None:
    """Frames before the subscribe result are skipped; the snapshot is parsed."""
    snapshot = golden("result_ok_list_sessions")
    port = await scripted(
        _frames(
            HELLO,
            "READ",
            AUTH_OK,
            "READ",
            {**golden("result_ok_empty"), "id": 99},
            {**snapshot, "id": 1},
        )
    )
    client = _client(http, port)
    info, snap = await client.connect()
    assert info.server_id == HELLO["server_id"]
    assert [s.id for s in snap.sessions] == [
        s["id"] for s in snapshot["result"]["sessions"]
    ]
    assert snap.sessions[0].permission == snap.sessions[0].pending_permissions[0]
    await client.disconnect()
    await client.disconnect()


@pytest.mark.parametrize("plaintext", [True, False], ids=["plaintext", "other-cert"])
async def test_man_in_the_middle_gets_no_token(
    socket_enabled: None, http: ClientSession, plaintext: bool
) -> None:
    """An endpoint without the paired certificate never sees the token (nor a frame)."""
    impostor = FakeAgent(identity=None if plaintext else make_identity())
    await impostor.start()
    try:
        expected = CannotConnect if plaintext else FingerprintMismatch
        with pytest.raises(expected) as err:
            await _connect(http, impostor.port)
        if isinstance(err.value, FingerprintMismatch):
            assert err.value.expected == FINGERPRINT
            assert err.value.got == impostor.fingerprint
        assert impostor.auths == []
        assert impostor.connections == 0
    finally:
        await impostor.stop()


async def test_fetch_server_info_sends_no_token(
    agent: FakeAgent, http: ClientSession
) -> None:
    """Checking an endpoint reads its hello over the pinned channel, without auth."""
    info = await async_fetch_server_info(http, "127.0.0.1", agent.port, FINGERPRINT)
    assert info.server_id == HELLO["server_id"]
    assert agent.connections == 1
    assert agent.auths == []
    with pytest.raises(FingerprintMismatch):
        await async_fetch_server_info(http, "127.0.0.1", agent.port, "0" * 64)
    assert agent.connections == 1


def test_client_refuses_a_bad_fingerprint(http: ClientSession) -> None:
    """A client cannot be built without a proper pin (no silent plaintext fallback)."""
    for bad in ("", "AB" * 32, "0" * 63):
        with pytest.raises(ValueError, match="fingerprint"):
            LookoutClient(http, "127.0.0.1", 1, TOKEN, bad)
    client = LookoutClient(http, "fe80::1", 7420, TOKEN, FINGERPRINT)
    assert client.url == "wss://[fe80::1]:7420/"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (ErrorCode.BAD_REQUEST, BadRequest),
        (ErrorCode.TOO_LARGE, TooLarge),
        (ErrorCode.UNKNOWN_COMMAND, UnknownCommand),
        (ErrorCode.NOT_FOUND, NotPending),
        (ErrorCode.UNAVAILABLE, Unavailable),
        (ErrorCode.OPENCODE_ERROR, OpencodeError),
        (ErrorCode.TIMEOUT, Timeout),
        (ErrorCode.TOO_MANY_REQUESTS, TooManyRequests),
        (ErrorCode.NOT_BUSY, NotBusy),
    ],
)
async def test_command_errors_are_typed(
    agent: FakeAgent, http: ClientSession, code: ErrorCode, error: type[Exception]
) -> None:
    """Each error code of a result raises its own exception class."""
    agent.errors["reply_permission"] = {"code": code, "message": "nope"}
    client = _client(http, agent.port)
    await client.connect()
    task = asyncio.create_task(client.listen())
    with pytest.raises(error) as err:
        await client.reply_permission("per_1", Reply.ONCE)
    assert err.value.message == "nope"
    await client.disconnect()
    await task


async def test_command_timeout(agent: FakeAgent, http: ClientSession) -> None:
    """A command the agent never answers raises Timeout."""
    client = _client(http, agent.port)
    await client.connect()
    task = asyncio.create_task(client.listen())
    agent.silent.add("abort_session")
    with (
        patch(
            "custom_components.opencode_lookout.client.connection.COMMAND_TIMEOUT", 0.05
        ),
        pytest.raises(Timeout),
    ):
        await client.abort_session("ses_root")
    await client.disconnect()
    await task


async def test_listen_ignores_junk_and_dispatches(
    agent: FakeAgent, http: ClientSession
) -> None:
    """Unreadable frames are ignored; typed events reach listeners until removed."""
    client = _client(http, agent.port)
    await client.connect()
    # Connecting again closes the previous websocket first.
    await client.connect()
    seen: list[object] = []
    got = asyncio.Event()

    def listener(event: object) -> None:
        seen.append(event)
        got.set()

    remove = client.add_event_listener(listener)
    task = asyncio.create_task(client.listen())
    await agent.push_raw("garbage")
    await agent.push_raw(["list"])
    await agent.push_raw({"type": "event", "event": "nope"})
    await agent.push("instance_connected")
    async with asyncio.timeout(5):
        await got.wait()
    remove()
    await agent.stop()
    await task
    assert len(seen) == 1
    assert isinstance(seen[0], InstanceConnected)
    assert seen[0].name == "instance_connected"
    assert not client.connected
    with pytest.raises(CannotConnect):
        await client.listen()
    with pytest.raises(CannotConnect):
        await client.list_sessions()


async def test_commands_round_trip(agent: FakeAgent, http: ClientSession) -> None:
    """Commands return their typed results."""
    agent.results["get_messages"] = golden("result_ok_get_messages")["result"]
    client = _client(http, agent.port)
    await client.connect()
    task = asyncio.create_task(client.listen())
    messages = await client.get_messages("ses_root")
    assert [m.text for m in messages] == ["please write a file", "All done."]
    snapshot = await client.list_sessions()
    assert {s.id for s in snapshot.sessions} == set(agent.sessions)
    await client.reply_question("que_1")
    assert agent.commands("reply_question")[-1]["reject"] is True
    await client.disconnect()
    await task


def test_pairing_parse() -> None:
    """A pasted pairing string is trimmed and split; the token stays out of repr."""
    text = pairing_string(7420)
    pairing = Pairing.parse(f"  {text}\n")
    assert (pairing.port, pairing.fingerprint, pairing.token) == (
        7420,
        FINGERPRINT,
        TOKEN,
    )
    assert pairing.to_text() == text
    assert TOKEN not in repr(pairing)
    upper = Pairing.parse(pairing_string(7420, FINGERPRINT.upper()))
    assert upper.fingerprint == FINGERPRINT


@pytest.mark.parametrize(
    "text",
    [
        "",
        TOKEN,
        pairing_string(7420).replace("lookout1", "lookout2"),
        pairing_string(0),
        pairing_string(65536),
        "lookout1:\uff17\uff14\uff12\uff10:" + FINGERPRINT + ":" + TOKEN,
        pairing_string(7420, FINGERPRINT[:-1]),
        pairing_string(7420, "g" * 64),
        pairing_string(7420, token="short"),
        pairing_string(7420, token=TOKEN + ":x"),
        pairing_string(7420, token=TOKEN[:-1] + "="),
    ],
)
def test_pairing_rejects(text: str) -> None:
    """Anything else is InvalidPairing."""
    with pytest.raises(InvalidPairing):
        Pairing.parse(text)


async def test_reconnect_now_skips_wait() -> None:
    """reconnect_now wakes the backoff sleep and resets the delay."""
    logic = ReconnectLogic(
        None,  # type: ignore[arg-type]
        on_connect=lambda *_: None,
        on_disconnect=lambda: None,
        on_connect_error=lambda _: None,
    )
    with patch("custom_components.opencode_lookout.client.reconnect.MIN_DELAY", 10):
        logic.delay = 30
        sleeper = asyncio.create_task(logic._sleep())
        await asyncio.sleep(0)
        logic.reconnect_now()
        await sleeper
        assert logic.delay == 10


async def test_reconnect_waits_out_rate_limit(
    agent: FakeAgent, http: ClientSession
) -> None:
    """A rate-limited reconnect waits at least retry_after before the next attempt."""
    agent.rate_limited = 42
    errors: list[Exception] = []
    failed = asyncio.Event()

    def on_error(err: Exception) -> None:
        errors.append(err)
        failed.set()

    logic = ReconnectLogic(
        _client(http, agent.port),
        on_connect=lambda *_: None,
        on_disconnect=lambda: None,
        on_connect_error=on_error,
    )
    task = asyncio.create_task(logic.run())
    async with asyncio.timeout(5):
        await failed.wait()
    await asyncio.sleep(0.05)
    assert logic.delay >= 42
    assert len(errors) == 1
    assert isinstance(errors[0], RateLimited)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_session_changed_merges_into_the_session(
    agent: FakeAgent, http: ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Listeners see whole sessions: each delta merged into what was last sent.

    A delta for a session never sent, or naming something a session has not, is a
    protocol error: ignored, and logged once (without the frame's content).
    """
    client = _client(http, agent.port)
    _, snapshot = await client.connect()
    seen: list[SessionUpdated] = []
    client.add_event_listener(
        lambda e: seen.append(e) if isinstance(e, SessionUpdated) else None
    )
    task = asyncio.create_task(client.listen())
    root = next(s for s in snapshot.sessions if s.id == ROOT_ID)

    await agent.update_session(state="working", current_tool="bash: ls")
    await agent.update_session(tokens_output=999)
    bad = golden("event_session_changed") | {"session_id": ROOT_ID}
    await agent.push_raw(bad | {"fields": {"secret_field": "content"}})
    await agent.push_raw(bad | {"fields": {"state": "sleeping"}})
    await agent.push_raw(bad | {"fields": {"secret_field": "again"}})
    await agent.push_raw(bad | {"fields": {"id": "ses_other"}})
    await agent.push_raw(golden("event_session_changed") | {"session_id": "ses_nope"})
    await agent.update_session(title="Renamed")
    async with asyncio.timeout(5):
        while len(seen) < 3:
            await asyncio.sleep(0.01)
    assert [s.session.id for s in seen] == [ROOT_ID] * 3
    assert [
        (s.session.state, s.session.current_tool, s.session.tokens_output) for s in seen
    ] == [
        ("working", "bash: ls", root.tokens_output),
        ("working", "bash: ls", 999),
        ("working", "bash: ls", 999),
    ]
    assert seen[-1].session.title == "Renamed"
    # Everything else is the snapshot's session.
    assert (
        dataclasses.replace(
            seen[-1].session,
            state=root.state,
            current_tool=root.current_tool,
            tokens_output=root.tokens_output,
            title=root.title,
        )
        == root
    )
    assert caplog.text.count("Protocol error, frame ignored") == 4
    assert "secret_field" in caplog.text
    assert "content" not in caplog.text
    assert "sleeping" not in caplog.text
    await client.disconnect()
    await task


def test_golden_delta_merges_into_golden_session() -> None:
    """The golden session_changed applies to the golden snapshot's session."""
    view = SessionView()
    snapshot = decode(Snapshot, golden("result_ok_list_sessions")["result"])
    view.reset(snapshot)
    delta = parse_server_frame(golden("event_session_changed"))
    assert isinstance(delta, SessionChanged)
    merged = view.apply(delta)
    assert isinstance(merged, SessionUpdated)
    old = next(s for s in snapshot.sessions if s.id == delta.session_id)
    as_json = encode(merged.session)
    assert as_json == encode(old) | delta.fields
