"""The protocol client alone, against scripted websocket servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, web
from fake_agent import TOKEN, FakeAgent, make_session
import pytest

from custom_components.opencode_lookout.client import (
    CannotConnect,
    CommandError,
    IncompatibleSchema,
    InvalidAuth,
    LookoutClient,
    ReconnectLogic,
    Session,
)

type Script = Callable[[web.WebSocketResponse], Awaitable[None]]
HELLO = {
    "type": "hello",
    "server_id": "s",
    "hostname": "h",
    "version": "1",
    "schema": 1,
}


@pytest.fixture
async def scripted(
    socket_enabled: None,
) -> AsyncGenerator[Callable[[Script], Awaitable[int]]]:
    """Start servers that run a script on each connection; return their port."""
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
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return runner.addresses[0][1]

    yield start
    for runner in runners:
        await runner.cleanup()


async def _connect(port: int, **kwargs: Any) -> LookoutClient:
    """Connect a client in its own session (closed by the caller)."""
    session = ClientSession()
    client = LookoutClient(session, "127.0.0.1", port, TOKEN)
    try:
        await client.connect(**kwargs)
    finally:
        await client.disconnect()
        await session.close()
    return client


def _frames(*frames: Any) -> Script:
    """Return a script that sends frames (str as text) and reads the auth."""

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


@pytest.mark.parametrize(
    ("frames", "error"),
    [
        ((), CannotConnect),
        (("not json",), CannotConnect),
        (([1, 2],), CannotConnect),
        (({"type": "error", "code": "too_many_clients"},), CannotConnect),
        (({"type": "auth_ok"},), CannotConnect),
        (({"type": "hello"},), CannotConnect),
        (({**HELLO, "schema": 2, "min_schema": 2},), IncompatibleSchema),
        (
            (HELLO, "READ", {"type": "auth_failed", "reason": "rate_limited"}),
            InvalidAuth,
        ),
        ((HELLO, "READ", {"type": "result"}), CannotConnect),
        ((HELLO, "READ", b"\x00"), CannotConnect),
        (
            (
                HELLO,
                "READ",
                {"type": "auth_ok"},
                "READ",
                {
                    "type": "result",
                    "id": 1,
                    "ok": False,
                    "error": {"code": "bad_request"},
                },
            ),
            CommandError,
        ),
    ],
)
async def test_handshake_errors(scripted, frames: tuple, error: type) -> None:
    """Every malformed or refused handshake raises the matching error."""
    port = await scripted(_frames(*frames))
    with pytest.raises(error):
        await _connect(port)


async def test_handshake_timeout(scripted) -> None:
    """An agent that never says hello times out as CannotConnect."""
    port = await scripted(_frames("READ"))
    with (
        patch(
            "custom_components.opencode_lookout.client.connection.CONNECT_TIMEOUT", 0.05
        ),
        pytest.raises(CannotConnect),
    ):
        await _connect(port)


async def test_snapshot_skips_events_before_result(scripted) -> None:
    """Frames before the subscribe result are skipped; the snapshot is parsed."""
    snapshot = {"sessions": [make_session(), "junk"], "instances": ["junk"]}
    port = await scripted(
        _frames(
            HELLO,
            "READ",
            {"type": "auth_ok"},
            "READ",
            {"type": "result", "id": 99, "ok": True},
            {"type": "result", "id": 1, "ok": True, "result": snapshot},
        )
    )
    session = ClientSession()
    client = LookoutClient(session, "127.0.0.1", port, TOKEN)
    info, snap = await client.connect()
    assert info.min_schema == 1
    assert [s.id for s in snap.sessions] == ["ses_root"]
    assert snap.instances == []
    await client.disconnect()
    await client.disconnect()
    await session.close()


async def test_listen_ignores_junk_and_dispatches(socket_enabled: None) -> None:
    """Non-JSON frames are ignored; events reach listeners until unsubscribed."""
    agent = FakeAgent()
    await agent.start()
    session = ClientSession()
    client = LookoutClient(session, "127.0.0.1", agent.port, TOKEN)
    await client.connect()
    # Connecting again closes the previous websocket first.
    await client.connect()
    seen: list[str] = []
    remove = client.add_event_listener(lambda event: seen.append(event.name))
    task = asyncio.create_task(client.listen())
    for ws in agent.subscribers:
        await ws.send_str("garbage")
        await ws.send_json(["list"])
    await agent.push("instance_connected", instance={})
    while not seen:
        await asyncio.sleep(0.01)
    remove()
    await agent.stop()
    await task
    assert seen == ["instance_connected"]
    assert not client.connected
    with pytest.raises(CannotConnect):
        await client.listen()
    with pytest.raises(CannotConnect):
        await client.command("list_sessions")
    await session.close()


def test_url_and_models() -> None:
    """IPv6 hosts are bracketed; odd values are tolerated by the models."""
    client = LookoutClient(None, "fe80::1", 7420, TOKEN)  # type: ignore[arg-type]
    assert client.url == "ws://[fe80::1]:7420/"
    session = Session.from_dict(
        make_session(
            last_activity="not a date",
            tokens_input=True,
            cost="x",
            state="weird",
            error={"name": "E", "message": "m"},
            question={"id": "q", "questions": [{"question": "?", "options": ["x"]}, 3]},
        )
    )
    assert session.last_activity is None
    assert session.tokens_input == 0
    assert session.cost == 0.0
    assert session.state == "idle"
    assert session.question is not None
    assert session.question.questions[0].options == []


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
