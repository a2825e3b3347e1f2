"""One websocket connection to an OpenCode Lookout agent (protocol v1)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import itertools
import json
import logging
from typing import Any

import aiohttp

from .errors import CannotConnect, CommandError, IncompatibleSchema, InvalidAuth
from .messages import Event, Message
from .models import ServerInfo, Snapshot

_LOGGER = logging.getLogger(__name__)

CLIENT_SCHEMA = 1
DEFAULT_PORT = 7420
CONNECT_TIMEOUT = 10.0
# The agent waits up to 10 s for OpenCode; leave room for the round trip.
COMMAND_TIMEOUT = 20.0
# The agent pings every 10 s and closes connections idle for 30 s: ping likewise,
# and treat 30 s without any frame (its pings included) as a dead connection.
HEARTBEAT = 10.0
RECEIVE_TIMEOUT = 30.0

type EventCallback = Callable[[Event], None]


class LookoutClient:
    """Speak protocol v1 to one agent over a shared aiohttp session."""

    def __init__(
        self, session: aiohttp.ClientSession, host: str, port: int, token: str
    ) -> None:
        """Store the address and token; nothing is opened yet."""
        self._session = session
        self._host = host
        self._port = port
        self._token = token
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: list[EventCallback] = []
        self.server_info: ServerInfo | None = None

    @property
    def url(self) -> str:
        """Return the websocket URL of the agent."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"ws://{host}:{self._port}/"

    @property
    def connected(self) -> bool:
        """Return True while an authenticated websocket is open."""
        return self._ws is not None and not self._ws.closed

    def add_event_listener(self, callback: EventCallback) -> Callable[[], None]:
        """Call callback for every live event; return the unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    async def connect(self, *, subscribe: bool = True) -> tuple[ServerInfo, Snapshot]:
        """Open, check the schema, authenticate and (optionally) subscribe."""
        if self._ws is not None:
            await self.disconnect()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                ws = await self._session.ws_connect(
                    self.url, max_msg_size=16 * 1024 * 1024
                )
        except (TimeoutError, aiohttp.ClientError, OSError) as err:
            raise CannotConnect(f"cannot reach {self.url}: {err!r}") from err
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                info, snapshot = await self._handshake(ws, subscribe)
        except TimeoutError as err:
            await ws.close()
            raise CannotConnect(f"no answer from {self.url}") from err
        except BaseException:
            # Also on cancellation: never leave the response open.
            await ws.close()
            raise
        self._ws = ws
        self.server_info = info
        return info, snapshot

    async def _handshake(
        self, ws: aiohttp.ClientWebSocketResponse, subscribe: bool
    ) -> tuple[ServerInfo, Snapshot]:
        """Run hello, auth and subscribe on a fresh websocket."""
        hello = await self._receive(ws)
        if hello.get("type") != "hello":
            raise CannotConnect(f"expected hello, got {hello.get('type')!r}")
        try:
            info = ServerInfo.from_dict(hello)
        except (KeyError, TypeError, ValueError) as err:
            raise CannotConnect(f"malformed hello: {err!r}") from err
        if not info.min_schema <= CLIENT_SCHEMA <= info.schema:
            raise IncompatibleSchema(info.schema, info.min_schema, CLIENT_SCHEMA)
        await ws.send_json({"type": "auth", "token": self._token})
        answer = await self._receive(ws)
        if answer.get("type") == "auth_failed":
            raise InvalidAuth(str(answer.get("reason", "invalid_token")))
        if answer.get("type") != "auth_ok":
            raise CannotConnect(f"expected auth_ok, got {answer.get('type')!r}")
        if not subscribe:
            return info, Snapshot(sessions=[], instances=[])
        cmd_id = next(self._ids)
        await ws.send_json({"type": "subscribe", "id": cmd_id})
        while True:
            frame = await self._receive(ws)
            if frame.get("type") == "result" and frame.get("id") == cmd_id:
                return info, Snapshot.from_dict(self._unwrap(frame))

    @staticmethod
    async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        """Return the next JSON object frame during the handshake."""
        msg = await ws.receive()
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise CannotConnect(f"connection closed during handshake ({msg.type!r})")
        try:
            data = json.loads(msg.data)
        except ValueError as err:
            raise CannotConnect("frame is not JSON") from err
        if not isinstance(data, dict):
            raise CannotConnect("frame is not a JSON object")
        if data.get("type") == "error":
            raise CannotConnect(f"agent refused the connection: {data.get('code')}")
        return data

    @staticmethod
    def _unwrap(frame: dict[str, Any]) -> dict[str, Any]:
        """Return the result of a result frame or raise its CommandError."""
        if frame.get("ok"):
            result = frame.get("result")
            return result if isinstance(result, dict) else {}
        error = frame.get("error") or {}
        raise CommandError(
            str(error.get("code", "unknown")), str(error.get("message", ""))
        )

    async def listen(self) -> None:
        """Dispatch results and events until the connection closes."""
        ws = self._ws
        if ws is None:
            raise CannotConnect("not connected")
        pinger = asyncio.create_task(self._ping(ws))
        try:
            while True:
                try:
                    msg = await ws.receive(timeout=RECEIVE_TIMEOUT)
                except TimeoutError:
                    _LOGGER.debug("No frame from %s in %s s", self.url, RECEIVE_TIMEOUT)
                    break
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    _LOGGER.debug("Ignoring a frame that is not JSON")
                    continue
                if isinstance(frame, dict):
                    self._dispatch(frame)
        finally:
            pinger.cancel()
            _LOGGER.debug("Connection to %s closed (%s)", self.url, ws.close_code)
            self._ws = None
            await ws.close()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(CannotConnect("connection lost"))
            self._pending.clear()

    @staticmethod
    async def _ping(ws: aiohttp.ClientWebSocketResponse) -> None:
        """Ping the agent every HEARTBEAT seconds while the connection is open."""
        while not ws.closed:
            await asyncio.sleep(HEARTBEAT)
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await ws.ping()

    def _dispatch(self, frame: dict[str, Any]) -> None:
        """Route one frame to its waiting command or to the event listeners."""
        kind = frame.get("type")
        if kind == "result":
            fut = self._pending.pop(frame.get("id"), None)  # type: ignore[arg-type]
            if fut is not None and not fut.done():
                fut.set_result(frame)
        elif kind == "event":
            event = Event.from_dict(frame)
            for callback in list(self._listeners):
                callback(event)

    async def disconnect(self) -> None:
        """Close the websocket, if open."""
        if (ws := self._ws) is not None:
            self._ws = None
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await ws.close()

    async def command(self, command: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its result, raising CommandError on errors."""
        if (ws := self._ws) is None or ws.closed:
            raise CannotConnect("not connected")
        cmd_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[cmd_id] = fut
        try:
            await ws.send_json({"type": command, "id": cmd_id, **fields})
            async with asyncio.timeout(COMMAND_TIMEOUT):
                frame = await fut
        except TimeoutError as err:
            raise CommandError("timeout", "the agent did not answer") from err
        except (aiohttp.ClientError, ConnectionError) as err:
            raise CannotConnect(f"send failed: {err!r}") from err
        finally:
            self._pending.pop(cmd_id, None)
        return self._unwrap(frame)

    async def reply_permission(
        self,
        permission_id: str,
        reply: str,
        *,
        session_id: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer a permission request: once, always or reject."""
        fields: dict[str, Any] = {"permission_id": permission_id, "reply": reply}
        if session_id is not None:
            fields["session_id"] = session_id
        if message is not None:
            fields["message"] = message
        await self.command("reply_permission", **fields)

    async def reply_question(
        self, question_id: str, answers: list[list[str]] | None = None
    ) -> None:
        """Answer a question request, or dismiss it when answers is None."""
        if answers is None:
            await self.command("reply_question", question_id=question_id, reject=True)
        else:
            await self.command(
                "reply_question", question_id=question_id, answers=answers
            )

    async def abort_session(self, session_id: str) -> None:
        """Abort a session and its sub-agents."""
        await self.command("abort_session", session_id=session_id)

    async def send_prompt(
        self, session_id: str, text: str, agent: str | None = None
    ) -> None:
        """Queue a user prompt in a session."""
        fields: dict[str, Any] = {"session_id": session_id, "text": text}
        if agent is not None:
            fields["agent"] = agent
        await self.command("send_prompt", **fields)

    async def get_messages(self, session_id: str, limit: int = 20) -> list[Message]:
        """Return the latest text messages of a session."""
        result = await self.command("get_messages", session_id=session_id, limit=limit)
        return [
            Message.from_dict(m)
            for m in result.get("messages") or []
            if isinstance(m, dict)
        ]
