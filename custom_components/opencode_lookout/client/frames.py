"""Every frame of the protocol as a dataclass: what the agent sends and what we send."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .codec import OMIT_NONE, DecodeError, decode, encode
from .models import Instance, Session, SessionError, Usage
from .wire import (
    AuthFailureReason,
    CommandType,
    ConnectionErrorCode,
    ErrorCode,
    EventType,
    QuestionOutcome,
    RemovedReason,
    Reply,
    ResolvedBy,
    RunOutcome,
)

# ------------------------------------------------------------------ agent → client


@dataclass(frozen=True, kw_only=True)
class ServerInfo:
    """The hello frame: who the agent is and which schemas it serves (public, pre-auth)."""

    TYPE: ClassVar[str] = "hello"
    server_id: str
    hostname: str
    version: str
    schema: int
    min_schema: int


@dataclass(frozen=True, kw_only=True)
class AuthOk:
    """The token was accepted."""

    TYPE: ClassVar[str] = "auth_ok"


@dataclass(frozen=True, kw_only=True)
class AuthFailed:
    """The token was refused; retry_after (s) is set only for rate_limited."""

    TYPE: ClassVar[str] = "auth_failed"
    reason: AuthFailureReason
    retry_after: int | None


@dataclass(frozen=True, kw_only=True)
class Refused:
    """An `error` frame: the agent refuses the connection (e.g. too many clients)."""

    TYPE: ClassVar[str] = "error"
    code: ConnectionErrorCode
    message: str


@dataclass(frozen=True, kw_only=True)
class ApiError:
    """The error of a failed command."""

    code: ErrorCode
    message: str


@dataclass(frozen=True, kw_only=True)
class Result:
    """The answer to one command; `result` is decoded by the command's result model."""

    TYPE: ClassVar[str] = "result"
    id: int | str | None
    ok: bool
    result: dict[str, Any] | None = field(default=None, metadata=OMIT_NONE)
    error: ApiError | None = field(default=None, metadata=OMIT_NONE)

    def __post_init__(self) -> None:
        """Refuse a result that is not exactly one of success-with-result or error."""
        if self.ok != (self.result is not None) or self.ok != (self.error is None):
            raise DecodeError("result: ok selects exactly one of result and error")


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of the live events; `name` is the wire event name."""

    TYPE: ClassVar[str] = "event"
    EVENT: ClassVar[EventType]

    @property
    def name(self) -> EventType:
        """Return the event name."""
        return self.EVENT


@dataclass(frozen=True, kw_only=True)
class SessionUpdated(Event):
    """The full session: when it first appears (or reappears after removal).

    The client also hands every session_changed to its listeners as the merged
    session_updated: above the client, a session is always whole.
    """

    EVENT: ClassVar[EventType] = EventType.SESSION_UPDATED
    session: Session


@dataclass(frozen=True, kw_only=True)
class SessionChanged(Event):
    """The fields of a session seen before whose values changed (never its id).

    Sent before any event it explains, like session_updated.
    """

    EVENT: ClassVar[EventType] = EventType.SESSION_CHANGED
    session_id: str
    fields: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SessionRemoved(Event):
    """The agent no longer reports this session."""

    EVENT: ClassVar[EventType] = EventType.SESSION_REMOVED
    session_id: str
    reason: RemovedReason


@dataclass(frozen=True, kw_only=True)
class PermissionRequested(Event):
    """A permission is pending; its details are in the root session's snapshot."""

    EVENT: ClassVar[EventType] = EventType.PERMISSION_REQUESTED
    session_id: str
    root_session_id: str
    permission_id: str


@dataclass(frozen=True, kw_only=True)
class PermissionResolved(Event):
    """A permission was answered or went away; reply is None when it expired."""

    EVENT: ClassVar[EventType] = EventType.PERMISSION_RESOLVED
    session_id: str
    root_session_id: str
    permission_id: str
    reply: Reply | None
    by: ResolvedBy


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Event):
    """A question is pending; its details are in the root session's snapshot."""

    EVENT: ClassVar[EventType] = EventType.QUESTION_ASKED
    session_id: str
    root_session_id: str
    question_id: str


@dataclass(frozen=True, kw_only=True)
class QuestionResolved(Event):
    """A question was answered, dismissed or went away."""

    EVENT: ClassVar[EventType] = EventType.QUESTION_RESOLVED
    session_id: str
    root_session_id: str
    question_id: str
    outcome: QuestionOutcome
    by: ResolvedBy


@dataclass(frozen=True, kw_only=True)
class InstanceConnected(Event):
    """An OpenCode process connected."""

    EVENT: ClassVar[EventType] = EventType.INSTANCE_CONNECTED
    instance: Instance


@dataclass(frozen=True, kw_only=True)
class InstanceDisconnected(Event):
    """An OpenCode process went away; its sessions follow as unavailable."""

    EVENT: ClassVar[EventType] = EventType.INSTANCE_DISCONNECTED
    instance_id: str


@dataclass(frozen=True, kw_only=True)
class RunStarted(Event):
    """A session left idle/error (the agent's clock); sub-agents have their own runs."""

    EVENT: ClassVar[EventType] = EventType.RUN_STARTED
    session_id: str
    root_session_id: str
    started: datetime


@dataclass(frozen=True, kw_only=True)
class RunFinished(Event):
    """A run ended: completed, aborted (from anywhere) or error (with the error)."""

    EVENT: ClassVar[EventType] = EventType.RUN_FINISHED
    session_id: str
    root_session_id: str
    outcome: RunOutcome
    started: datetime
    finished: datetime
    duration_ms: int
    error: SessionError | None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class UsageUpdated(Event):
    """The machine's totals grew (at most once per coalesce interval)."""

    EVENT: ClassVar[EventType] = EventType.USAGE_UPDATED
    usage: Usage


type ServerFrame = ServerInfo | AuthOk | AuthFailed | Refused | Result | Event

_FRAMES: dict[str, type[ServerFrame]] = {
    cls.TYPE: cls for cls in (ServerInfo, AuthOk, AuthFailed, Refused, Result)
}
EVENTS: dict[EventType, type[Event]] = {
    cls.EVENT: cls
    for cls in (
        SessionUpdated,
        SessionChanged,
        SessionRemoved,
        PermissionRequested,
        PermissionResolved,
        QuestionAsked,
        QuestionResolved,
        InstanceConnected,
        InstanceDisconnected,
        RunStarted,
        RunFinished,
        UsageUpdated,
    )
}


def parse_server_frame(data: object) -> ServerFrame:
    """Decode one frame of the agent; raise DecodeError for anything malformed."""
    if not isinstance(data, dict):
        raise DecodeError("frame is not a JSON object")
    kind = data.get("type")
    if kind == Event.TYPE:
        return decode(EVENTS[decode(EventType, data.get("event"))], data)
    if (cls := _FRAMES.get(str(kind))) is None:
        raise DecodeError("unknown frame type")
    return decode(cls, data)


def server_frame_json(frame: ServerFrame) -> dict[str, Any]:
    """Return the JSON object of an agent frame (the fake agent and the tests send these)."""
    head: dict[str, Any] = {"type": frame.TYPE}
    if isinstance(frame, Event):
        head["event"] = frame.EVENT.value
    body: dict[str, Any] = encode(frame)
    return head | body


# ------------------------------------------------------------------ client → agent


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of the commands; every command but auth carries a client-chosen id."""

    TYPE: ClassVar[CommandType]


@dataclass(frozen=True, kw_only=True)
class Auth(Command):
    """The first frame of the client."""

    TYPE: ClassVar[CommandType] = CommandType.AUTH
    token: str


@dataclass(frozen=True, kw_only=True)
class Subscribe(Command):
    """Return the snapshot and stream events from now on."""

    TYPE: ClassVar[CommandType] = CommandType.SUBSCRIBE


@dataclass(frozen=True, kw_only=True)
class ListSessions(Command):
    """Return the snapshot."""

    TYPE: ClassVar[CommandType] = CommandType.LIST_SESSIONS


@dataclass(frozen=True, kw_only=True)
class ReplyPermission(Command):
    """Answer a permission; session_id may name the root session shown to the user."""

    TYPE: ClassVar[CommandType] = CommandType.REPLY_PERMISSION
    session_id: str | None
    permission_id: str
    reply: Reply
    message: str | None


@dataclass(frozen=True, kw_only=True)
class ReplyQuestion(Command):
    """Answer a question (one list of labels per question) or dismiss it."""

    TYPE: ClassVar[CommandType] = CommandType.REPLY_QUESTION
    question_id: str
    answers: list[list[str]]
    reject: bool


@dataclass(frozen=True, kw_only=True)
class AbortSession(Command):
    """Abort a session and its sub-agents."""

    TYPE: ClassVar[CommandType] = CommandType.ABORT_SESSION
    session_id: str


@dataclass(frozen=True, kw_only=True)
class SendPrompt(Command):
    """Queue a user prompt."""

    TYPE: ClassVar[CommandType] = CommandType.SEND_PROMPT
    session_id: str
    text: str
    agent: str | None


@dataclass(frozen=True, kw_only=True)
class GetMessages(Command):
    """Return the latest text messages of a session."""

    TYPE: ClassVar[CommandType] = CommandType.GET_MESSAGES
    session_id: str
    limit: int | None


COMMANDS: dict[CommandType, type[Command]] = {
    cls.TYPE: cls
    for cls in (
        Auth,
        Subscribe,
        ListSessions,
        ReplyPermission,
        ReplyQuestion,
        AbortSession,
        SendPrompt,
        GetMessages,
    )
}


def command_json(command: Command, cmd_id: int | str | None) -> dict[str, Any]:
    """Return the frame of a command (auth has no id)."""
    head: dict[str, Any] = {"type": command.TYPE.value}
    if cmd_id is not None:
        head["id"] = cmd_id
    body: dict[str, Any] = encode(command)
    return head | body


def parse_command(data: dict[str, Any]) -> tuple[int | str | None, Command]:
    """Decode a client frame: every command but auth carries an id."""
    cls = COMMANDS[decode(CommandType, data.get("type"))]
    if cls is Auth:
        return None, decode(cls, data)
    cmd_id = data.get("id")
    if not isinstance(cmd_id, int | str) or isinstance(cmd_id, bool):
        raise DecodeError(f"{cls.__name__}: missing id")
    return cmd_id, decode(cls, data)
