"""One pinned wss:// connection to an OpenCode Lookout agent (schema 3)."""

import asyncio
from collections.abc import Callable
import contextlib
import itertools
import json
import logging
from typing import Literal, overload

import aiohttp

from . import handshake
from .codec import DecodeError, decode
from .errors import (
    CannotConnect,
    InvalidAuth,
    ProtocolError,
    RateLimited,
    Timeout,
    command_error,
)
from .frames import (
    AbortSession,
    Auth,
    AuthFailed,
    AuthOk,
    Command,
    Event,
    GetMessages,
    ListSessions,
    ReplyPermission,
    ReplyQuestion,
    Result,
    SendPrompt,
    ServerFrame,
    ServerInfo,
    Subscribe,
    command_json,
    parse_server_frame,
)
from .handshake import open_pinned, read_hello, receive_frame, url_of
from .models import Empty, Message, Messages, Snapshot
from .pairing import is_fingerprint
from .sessions import SessionView
from .wire import AuthFailureReason, Reply

_LOGGER = logging.getLogger(__name__)

# The agent waits up to 10 s for OpenCode; leave room for the round trip.
COMMAND_TIMEOUT = 20.0
# The agent pings every 10 s and closes connections idle for 30 s: ping likewise,
# and treat 30 s without any frame (its pings included) as a dead connection.
HEARTBEAT = 10.0
RECEIVE_TIMEOUT = 30.0

type EventCallback = Callable[[Event], None]


class LookoutClient:
    """Speak schema 3 to one agent over a shared aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int,
        token: str,
        fingerprint: str,
    ) -> None:
        """Store the address, the pinned fingerprint and the token; nothing is opened."""
        if not is_fingerprint(fingerprint):
            raise ValueError("fingerprint must be 64 lowercase hex characters")
        self._session = session
        self._host = host
        self._port = port
        self._token = token
        self._fingerprint = fingerprint
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Result]] = {}
        self._listeners: list[EventCallback] = []
        self._sessions = SessionView()
        # Reasons of frames ignored as unreadable, each logged once per client.
        self._logged: set[str] = set()
        self.server_info: ServerInfo | None = None

    @property
    def url(self) -> str:
        """Return the websocket URL of the agent."""
        return url_of(self._host, self._port)

    @property
    def connected(self) -> bool:
        """Return True while an authenticated websocket is open."""
        return self._ws is not None and not self._ws.closed

    def add_event_listener(self, callback: EventCallback) -> Callable[[], None]:
        """Call callback for every live event; return the unsubscribe function."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    @overload
    async def connect(self) -> tuple[ServerInfo, Snapshot]: ...

    @overload
    async def connect(
        self, *, subscribe: Literal[False]
    ) -> tuple[ServerInfo, None]: ...

    async def connect(
        self, *, subscribe: bool = True
    ) -> tuple[ServerInfo, Snapshot | None]:
        """Open (pinned), check the schema, authenticate and (optionally) subscribe."""
        if self._ws is not None:
            await self.disconnect()
        ws = await open_pinned(self._session, self._host, self._port, self._fingerprint)
        try:
            async with asyncio.timeout(handshake.CONNECT_TIMEOUT):
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
    ) -> tuple[ServerInfo, Snapshot | None]:
        """Run hello, auth and subscribe on a fresh, pinned websocket."""
        info = await read_hello(ws)
        await ws.send_json(command_json(Auth(token=self._token), None))
        answer = await receive_frame(ws)
        if isinstance(answer, AuthFailed):
            if answer.reason is AuthFailureReason.RATE_LIMITED:
                raise RateLimited(answer.retry_after or 0)
            raise InvalidAuth(answer.reason)
        if not isinstance(answer, AuthOk):
            raise ProtocolError(f"expected auth_ok, got {type(answer).__name__}")
        if not subscribe:
            return info, None
        cmd_id = next(self._ids)
        await ws.send_json(command_json(Subscribe(), cmd_id))
        while True:
            frame = await receive_frame(ws)
            if isinstance(frame, Result) and frame.id == cmd_id:
                snapshot = self._unwrap(frame, Snapshot)
                # Deltas from now on are against what this snapshot holds.
                self._sessions.reset(snapshot)
                return info, snapshot

    @staticmethod
    def _unwrap[T](frame: Result, model: type[T]) -> T:
        """Return the decoded result of a result frame or raise its typed error."""
        if frame.error is not None:
            raise command_error(frame.error.code, frame.error.message)
        try:
            return decode(model, frame.result or {})
        except DecodeError as err:
            raise ProtocolError(f"unreadable result: {err}") from err

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
                    frame = parse_server_frame(json.loads(msg.data))
                except (ValueError, KeyError) as err:
                    # Content stays out of the logs; the reason is enough.
                    _LOGGER.debug(
                        "Ignoring an unreadable frame: %s", type(err).__name__
                    )
                    continue
                try:
                    self._dispatch(frame)
                except DecodeError as err:
                    self._log_once(str(err))
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

    def _dispatch(self, frame: ServerFrame) -> None:
        """Route one frame to its waiting command or to the event listeners."""
        if isinstance(frame, Result):
            fut = (
                self._pending.pop(frame.id, None) if isinstance(frame.id, int) else None
            )
            if fut is not None and not fut.done():
                fut.set_result(frame)
        elif isinstance(frame, Event):
            event = self._sessions.apply(frame)
            for callback in list(self._listeners):
                callback(event)

    def _log_once(self, reason: str) -> None:
        """Warn about a frame that cannot be applied, once per reason (no content)."""
        if reason not in self._logged:
            self._logged.add(reason)
            _LOGGER.warning("Protocol error, frame ignored: %s", reason)

    async def disconnect(self) -> None:
        """Close the websocket, if open."""
        if (ws := self._ws) is not None:
            self._ws = None
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await ws.close()

    async def command[T](self, command: Command, model: type[T]) -> T:
        """Send a command and return its decoded result; raise its typed error."""
        if (ws := self._ws) is None or ws.closed:
            raise CannotConnect("not connected")
        cmd_id = next(self._ids)
        fut: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending[cmd_id] = fut
        try:
            await ws.send_json(command_json(command, cmd_id))
            async with asyncio.timeout(COMMAND_TIMEOUT):
                frame = await fut
        except TimeoutError as err:
            raise Timeout("the agent did not answer") from err
        except (aiohttp.ClientError, ConnectionError) as err:
            raise CannotConnect(f"send failed: {err!r}") from err
        finally:
            self._pending.pop(cmd_id, None)
        return self._unwrap(frame, model)

    async def list_sessions(self) -> Snapshot:
        """Return the agent's current snapshot."""
        return await self.command(ListSessions(), Snapshot)

    async def reply_permission(
        self,
        permission_id: str,
        reply: Reply,
        *,
        session_id: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer a permission request: once, always or reject (with feedback)."""
        await self.command(
            ReplyPermission(
                session_id=session_id,
                permission_id=permission_id,
                reply=Reply(reply),
                message=message,
            ),
            Empty,
        )

    async def reply_question(
        self, question_id: str, answers: list[list[str]] | None = None
    ) -> None:
        """Answer a question request, or dismiss it when answers is None."""
        await self.command(
            ReplyQuestion(
                question_id=question_id, answers=answers or [], reject=answers is None
            ),
            Empty,
        )

    async def abort_session(self, session_id: str) -> None:
        """Abort a session and its sub-agents."""
        await self.command(AbortSession(session_id=session_id), Empty)

    async def send_prompt(
        self, session_id: str, text: str, agent: str | None = None
    ) -> None:
        """Queue a user prompt in a session."""
        await self.command(
            SendPrompt(session_id=session_id, text=text, agent=agent), Empty
        )

    async def get_messages(self, session_id: str, limit: int = 20) -> list[Message]:
        """Return the latest text messages of a session."""
        result = await self.command(
            GetMessages(session_id=session_id, limit=limit), Messages
        )
        return result.messages
