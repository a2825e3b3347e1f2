"""The protocol's names and numbers (schema 3), checked against constants.json by the tests."""

from enum import IntEnum, StrEnum
from typing import Final

# The schema this client speaks; the agent serves it iff min_schema <= SCHEMA <= schema.
SCHEMA: Final = 3
MIN_SCHEMA: Final = 3
DEFAULT_PORT: Final = 7420
# Frames above MAX_FRAME get a too_large result; above HARD_FRAME_LIMIT the agent closes.
MAX_FRAME: Final = 1024 * 1024
HARD_FRAME_LIMIT: Final = 16 * 1024 * 1024
PREAUTH_FRAME_LIMIT: Final = 4 * 1024
AUTH_TIMEOUT_S: Final = 10
MDNS_SERVICE_TYPE: Final = "_opencode-lookout._tcp.local."


class State(StrEnum):
    """A session's derived state."""

    IDLE = "idle"
    WORKING = "working"
    WAITING_PERMISSION = "waiting_permission"
    WAITING_INPUT = "waiting_input"
    ERROR = "error"


class Reply(StrEnum):
    """An answer to a permission request."""

    ONCE = "once"
    ALWAYS = "always"
    REJECT = "reject"


class EventType(StrEnum):
    """The `event` name of an event frame."""

    SESSION_UPDATED = "session_updated"
    SESSION_CHANGED = "session_changed"
    SESSION_REMOVED = "session_removed"
    PERMISSION_REQUESTED = "permission_requested"
    PERMISSION_RESOLVED = "permission_resolved"
    QUESTION_ASKED = "question_asked"
    QUESTION_RESOLVED = "question_resolved"
    INSTANCE_CONNECTED = "instance_connected"
    INSTANCE_DISCONNECTED = "instance_disconnected"
    RUN_STARTED = "run_started"
    RUN_FINISHED = "run_finished"
    USAGE_UPDATED = "usage_updated"


class ErrorCode(StrEnum):
    """The code of a failed command result."""

    BAD_REQUEST = "bad_request"
    TOO_LARGE = "too_large"
    UNKNOWN_COMMAND = "unknown_command"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"
    OPENCODE_ERROR = "opencode_error"
    TIMEOUT = "timeout"
    TOO_MANY_REQUESTS = "too_many_requests"
    NOT_BUSY = "not_busy"


class AuthFailureReason(StrEnum):
    """The reason of an auth_failed frame."""

    INVALID_TOKEN = "invalid_token"
    AUTH_REQUIRED = "auth_required"
    BAD_REQUEST = "bad_request"
    RATE_LIMITED = "rate_limited"


class ResolvedBy(StrEnum):
    """Who resolved a permission or question."""

    API = "api"
    OPENCODE = "opencode"
    EXPIRED = "expired"


class QuestionOutcome(StrEnum):
    """How a question request ended."""

    ANSWERED = "answered"
    REJECTED = "rejected"
    EXPIRED = "expired"


class RemovedReason(StrEnum):
    """Why the agent stopped reporting a session."""

    DELETED = "deleted"
    EVICTED = "evicted"
    STALE = "stale"


class RunOutcome(StrEnum):
    """How a run (from leaving idle/error until idle/error again) ended."""

    COMPLETED = "completed"
    ABORTED = "aborted"
    ERROR = "error"


class InstanceKind(StrEnum):
    """How an OpenCode process is attached to the agent."""

    PLUGIN = "plugin"
    SERVER = "server"
    SERVICE = "service"


class ConnectionErrorCode(StrEnum):
    """The code of an `error` frame: the agent refuses the connection."""

    TOO_MANY_CLIENTS = "too_many_clients"


class Role(StrEnum):
    """Who wrote a message."""

    USER = "user"
    ASSISTANT = "assistant"


class CommandType(StrEnum):
    """The `type` of a client frame."""

    AUTH = "auth"
    SUBSCRIBE = "subscribe"
    LIST_SESSIONS = "list_sessions"
    REPLY_PERMISSION = "reply_permission"
    REPLY_QUESTION = "reply_question"
    ABORT_SESSION = "abort_session"
    SEND_PROMPT = "send_prompt"
    GET_MESSAGES = "get_messages"


class CloseCode(IntEnum):
    """Websocket close codes the agent uses."""

    NORMAL = 1000
    GOING_AWAY = 1001
    TOO_BIG = 1009
    TOO_MANY_CLIENTS = 1013
    AUTH_FAILED = 4001
    AUTH_TIMEOUT = 4002
    SLOW_CONSUMER = 4003
    CREDENTIALS_ROTATED = 4004
