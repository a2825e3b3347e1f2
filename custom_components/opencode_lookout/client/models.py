"""Typed models of the protocol v1 objects (docs/protocol.md, section 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SESSION_STATES = ("idle", "working", "waiting_permission", "waiting_input", "error")


def _dt(value: Any) -> datetime | None:
    """Parse an RFC 3339 timestamp, None when missing or malformed."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    """Return value as int, None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _float(value: Any) -> float:
    """Return value as float, 0.0 when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def opt_str(value: Any) -> str | None:
    """Return value when it is a string, else None."""
    return value if isinstance(value, str) else None


def _strs(value: Any) -> list[str]:
    """Return the strings of a list, [] when it is not a list."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@dataclass(frozen=True, kw_only=True)
class ServerInfo:
    """The agent's hello frame."""

    server_id: str
    hostname: str
    version: str
    schema: int
    min_schema: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerInfo:
        """Build from a hello frame."""
        return cls(
            server_id=str(data["server_id"]),
            hostname=str(data.get("hostname") or data["server_id"]),
            version=str(data.get("version", "")),
            schema=int(data["schema"]),
            min_schema=int(data.get("min_schema", data["schema"])),
        )


@dataclass(frozen=True, kw_only=True)
class Permission:
    """A pending permission request."""

    id: str
    session_id: str
    permission: str
    patterns: list[str]
    always: list[str]
    title: str
    created: datetime | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Permission:
        """Build from a PERMISSION object."""
        return cls(
            id=str(data["id"]),
            session_id=str(data.get("session_id", "")),
            permission=str(data.get("permission", "")),
            patterns=_strs(data.get("patterns")),
            always=_strs(data.get("always")),
            title=str(data.get("title") or data.get("permission", "")),
            created=_dt(data.get("created")),
        )


@dataclass(frozen=True, kw_only=True)
class QuestionItem:
    """One question of a question request."""

    question: str
    header: str
    multiple: bool
    options: list[str]


@dataclass(frozen=True, kw_only=True)
class Question:
    """A pending question request."""

    id: str
    session_id: str
    questions: list[QuestionItem]
    created: datetime | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Build from a QUESTION object."""
        items = [
            QuestionItem(
                question=str(q.get("question", "")),
                header=str(q.get("header", "")),
                multiple=bool(q.get("multiple", False)),
                options=[
                    str(o["label"])
                    for o in q.get("options") or []
                    if isinstance(o, dict) and "label" in o
                ],
            )
            for q in data.get("questions") or []
            if isinstance(q, dict)
        ]
        return cls(
            id=str(data["id"]),
            session_id=str(data.get("session_id", "")),
            questions=items,
            created=_dt(data.get("created")),
        )


@dataclass(frozen=True, kw_only=True)
class SessionError:
    """The last error of a session."""

    name: str
    message: str


@dataclass(frozen=True, kw_only=True)
class Session:
    """An OpenCode session as the agent reports it."""

    id: str
    parent_id: str | None
    root_id: str
    is_child: bool
    instance_id: str | None
    title: str | None
    directory: str | None
    project: str | None
    state: str
    model: str | None
    agent: str | None
    current_agent: str | None
    current_tool: str | None
    tokens_input: int
    tokens_output: int
    tokens_reasoning: int
    tokens_cache_read: int
    tokens_cache_write: int
    cost: float
    cost_total: float
    context_used: int | None
    context_limit: int | None
    files_changed: int
    lines_added: int
    lines_removed: int
    created: datetime | None
    last_activity: datetime | None
    hostname: str | None
    opencode_version: str | None
    permission: Permission | None
    pending_permissions: list[Permission] = field(default_factory=list)
    question: Question | None
    error: SessionError | None
    available: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        """Build from a SESSION object."""
        pending = [
            Permission.from_dict(p)
            for p in data.get("pending_permissions") or []
            if isinstance(p, dict)
        ]
        perm = data.get("permission")
        question = data.get("question")
        error = data.get("error")
        state = data.get("state")
        return cls(
            id=str(data["id"]),
            parent_id=opt_str(data.get("parent_id")),
            root_id=str(data.get("root_id") or data["id"]),
            is_child=bool(data.get("is_child", False)),
            instance_id=opt_str(data.get("instance_id")),
            title=opt_str(data.get("title")),
            directory=opt_str(data.get("directory")),
            project=opt_str(data.get("project")),
            state=state if state in SESSION_STATES else "idle",
            model=opt_str(data.get("model")),
            agent=opt_str(data.get("agent")),
            current_agent=opt_str(data.get("current_agent")),
            current_tool=opt_str(data.get("current_tool")),
            tokens_input=_int(data.get("tokens_input")) or 0,
            tokens_output=_int(data.get("tokens_output")) or 0,
            tokens_reasoning=_int(data.get("tokens_reasoning")) or 0,
            tokens_cache_read=_int(data.get("tokens_cache_read")) or 0,
            tokens_cache_write=_int(data.get("tokens_cache_write")) or 0,
            cost=_float(data.get("cost")),
            cost_total=_float(data.get("cost_total", data.get("cost"))),
            context_used=_int(data.get("context_used")),
            context_limit=_int(data.get("context_limit")),
            files_changed=_int(data.get("files_changed")) or 0,
            lines_added=_int(data.get("lines_added")) or 0,
            lines_removed=_int(data.get("lines_removed")) or 0,
            created=_dt(data.get("created")),
            last_activity=_dt(data.get("last_activity")),
            hostname=opt_str(data.get("hostname")),
            opencode_version=opt_str(data.get("opencode_version")),
            permission=Permission.from_dict(perm) if isinstance(perm, dict) else None,
            pending_permissions=pending,
            question=Question.from_dict(question)
            if isinstance(question, dict)
            else None,
            error=SessionError(
                name=str(error.get("name", "")), message=str(error.get("message", ""))
            )
            if isinstance(error, dict)
            else None,
            available=bool(data.get("available", True)),
        )


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The full state returned by subscribe / list_sessions."""

    sessions: list[Session]
    instances: list[dict[str, Any]]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Build from a subscribe result."""
        return cls(
            sessions=[
                Session.from_dict(s)
                for s in data.get("sessions") or []
                if isinstance(s, dict)
            ],
            instances=[i for i in data.get("instances") or [] if isinstance(i, dict)],
        )
