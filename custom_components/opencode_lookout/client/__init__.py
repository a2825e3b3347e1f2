"""Protocol v1 client of the OpenCode Lookout agent; no Home Assistant imports."""

from __future__ import annotations

from .connection import CLIENT_SCHEMA, DEFAULT_PORT, LookoutClient
from .errors import (
    CannotConnect,
    ClientError,
    CommandError,
    IncompatibleSchema,
    InvalidAuth,
)
from .messages import Event, Message
from .models import (
    SESSION_STATES,
    Permission,
    Question,
    QuestionItem,
    ServerInfo,
    Session,
    SessionError,
    Snapshot,
)
from .reconnect import ReconnectLogic

__all__ = [
    "CLIENT_SCHEMA",
    "DEFAULT_PORT",
    "SESSION_STATES",
    "CannotConnect",
    "ClientError",
    "CommandError",
    "Event",
    "IncompatibleSchema",
    "InvalidAuth",
    "LookoutClient",
    "Message",
    "Permission",
    "Question",
    "QuestionItem",
    "ReconnectLogic",
    "ServerInfo",
    "Session",
    "SessionError",
    "Snapshot",
]
