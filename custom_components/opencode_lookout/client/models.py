"""The protocol's objects (docs/protocol.md, section 3); fields in wire order.

Except the five token counters: Session and Usage carry them flat on the wire and name
them once, in TokenCounts, which both extend (so theirs come first here).
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from .wire import InstanceKind, Role, State


@dataclass(frozen=True, kw_only=True)
class TokenCounts:
    """Tokens by kind, as OpenCode counts them: a session's, or the machine's totals."""

    tokens_input: int
    tokens_output: int
    tokens_reasoning: int
    tokens_cache_read: int
    tokens_cache_write: int


# The counters' names, which are also the keys of their sensors.
TOKEN_COUNTERS: tuple[str, ...] = tuple(f.name for f in fields(TokenCounts))


@dataclass(frozen=True, kw_only=True)
class Permission:
    """A pending permission request."""

    id: str
    session_id: str
    permission: str
    patterns: list[str]
    always: list[str]
    title: str
    created: datetime


@dataclass(frozen=True, kw_only=True)
class QuestionOption:
    """One offered answer of a question."""

    label: str
    description: str


@dataclass(frozen=True, kw_only=True)
class QuestionItem:
    """One question of a question request."""

    question: str
    header: str
    multiple: bool
    options: list[QuestionOption]

    @property
    def labels(self) -> list[str]:
        """Return the labels of the offered answers (what a reply sends)."""
        return [option.label for option in self.options]


@dataclass(frozen=True, kw_only=True)
class Question:
    """A pending question request."""

    id: str
    session_id: str
    created: datetime
    questions: list[QuestionItem]


@dataclass(frozen=True, kw_only=True)
class SessionError:
    """The last error of a session."""

    name: str
    message: str


@dataclass(frozen=True, kw_only=True)
class TodoItem:
    """One item of a session's plan (OpenCode's todo list).

    `status` is `pending`, `in_progress`, `completed` or `cancelled` and `priority`
    `high`, `medium` or `low` as OpenCode says them; other values may come.
    """

    content: str
    status: str
    priority: str


@dataclass(frozen=True, kw_only=True)
class Session(TokenCounts):
    """An OpenCode session as the agent reports it.

    The session snapshot is the one carrier of permission and question details:
    `pending_permissions` (oldest first, sub-agents' included on the root) and `question`.
    """

    id: str
    parent_id: str | None
    root_id: str
    is_child: bool
    instance_id: str
    title: str | None
    directory: str | None
    project: str | None
    state: State
    model: str | None
    agent: str | None
    current_agent: str | None
    current_tool: str | None
    cost: float
    cost_total: float
    context_used: int | None
    context_limit: int | None
    files_changed: int
    lines_added: int
    lines_removed: int
    # The plan; absent from agents that predate it (the same schema), hence the defaults.
    todo: list[TodoItem] = field(default_factory=list)
    todo_done: int = 0
    todo_total: int = 0
    created: datetime | None
    last_activity: datetime
    hostname: str
    opencode_version: str | None
    pending_permissions: list[Permission]
    question: Question | None
    error: SessionError | None
    available: bool

    @property
    def permission(self) -> Permission | None:
        """Return the oldest pending permission (the one to answer first), if any."""
        return self.pending_permissions[0] if self.pending_permissions else None

    @property
    def has_plan(self) -> bool:
        """Return whether the session has a todo list."""
        return bool(self.todo)

    def find_permission(self, permission_id: str) -> Permission | None:
        """Return the pending permission with this id, if it is still pending."""
        return next(
            (p for p in self.pending_permissions if p.id == permission_id), None
        )


@dataclass(frozen=True, kw_only=True)
class Instance:
    """One OpenCode process (or project inside it) the agent hears from."""

    id: str
    kind: InstanceKind
    label: str
    directory: str | None
    opencode_version: str | None
    connected: bool
    since: datetime


@dataclass(frozen=True, kw_only=True)
class Usage(TokenCounts):
    """The machine's spend and tokens: every assistant message counted once.

    Never decreasing (across session eviction and restarts of the agent or its
    clients); counted since `since`, when the agent's store was created.
    """

    cost: float
    tokens: int
    messages: int
    since: datetime


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The full state: the result of subscribe and list_sessions."""

    sessions: list[Session]
    instances: list[Instance]
    usage: Usage


@dataclass(frozen=True, kw_only=True)
class Message:
    """A text message of a session."""

    id: str
    role: Role
    agent: str | None
    created: datetime | None
    text: str
    truncated: bool


@dataclass(frozen=True, kw_only=True)
class Messages:
    """The result of get_messages."""

    messages: list[Message]


@dataclass(frozen=True, kw_only=True)
class Empty:
    """The empty result of a command that only acknowledges."""


type JsonObject = dict[str, Any]
