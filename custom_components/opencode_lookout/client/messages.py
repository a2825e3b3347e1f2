"""Typed models of live events and get_messages results (docs/protocol.md, 2 and 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Session, opt_str


@dataclass(frozen=True, kw_only=True)
class Event:
    """A live event; `data` holds the raw frame, typed fields are parsed."""

    name: str
    data: dict[str, Any]
    session: Session | None = None

    @property
    def session_id(self) -> str | None:
        """Return the session the event is about."""
        if self.session is not None:
            return self.session.id
        return opt_str(self.data.get("session_id"))

    @property
    def root_session_id(self) -> str | None:
        """Return the root session the event rolls up to."""
        if self.session is not None:
            return self.session.root_id
        return opt_str(self.data.get("root_session_id")) or self.session_id

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Build from an event frame."""
        session = data.get("session")
        return cls(
            name=str(data.get("event", "")),
            data=data,
            session=Session.from_dict(session) if isinstance(session, dict) else None,
        )


@dataclass(frozen=True, kw_only=True)
class Message:
    """A text message returned by get_messages."""

    id: str
    role: str
    agent: str | None
    created: str | None
    text: str
    truncated: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Build from a message object."""
        return cls(
            id=str(data.get("id", "")),
            role=str(data.get("role", "")),
            agent=opt_str(data.get("agent")),
            created=opt_str(data.get("created")),
            text=str(data.get("text", "")),
            truncated=bool(data.get("truncated", False)),
        )
