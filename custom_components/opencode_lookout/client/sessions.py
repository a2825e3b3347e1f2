"""The sessions as the agent last sent them, so that session_changed deltas apply.

The agent sends a session whole when it first appears (the snapshot, session_updated)
and then only the fields that changed (session_changed). This view decodes each delta
with the Session model's field types, merges it into the session it knows and hands
the whole session on: nothing above the client sees a delta.
"""

import dataclasses
from typing import Any

from .codec import DecodeError, decode_field
from .frames import Event, SessionChanged, SessionRemoved, SessionUpdated
from .models import Session, Snapshot


def decode_fields(changed: dict[str, Any]) -> dict[str, Any]:
    """Decode the fields of a session_changed (any subset of Session's but its id)."""
    if "id" in changed:
        raise DecodeError("session_changed: the id never changes")
    return {name: decode_field(Session, name, v) for name, v in changed.items()}


class SessionView:
    """Every session (children included) as last sent by the agent."""

    def __init__(self) -> None:
        """Start empty; reset() with the subscribe snapshot."""
        self._sessions: dict[str, Session] = {}

    def reset(self, snapshot: Snapshot) -> None:
        """Start over from a subscribe snapshot (what the agent last sent everyone)."""
        self._sessions = {s.id: s for s in snapshot.sessions}

    def apply(self, event: Event) -> Event:
        """Record a session event; return what listeners get.

        A session_changed comes back as the session_updated of the merged session;
        raise DecodeError when it names a session never sent or a field that is not
        a session's (or of the wrong type): such a frame cannot be applied.
        """
        match event:
            case SessionUpdated(session=session):
                self._sessions[session.id] = session
            case SessionRemoved(session_id=session_id):
                self._sessions.pop(session_id, None)
            case SessionChanged(session_id=session_id, fields=changed):
                if (old := self._sessions.get(session_id)) is None:
                    raise DecodeError("session_changed: a session never sent")
                merged = dataclasses.replace(old, **decode_fields(changed))
                self._sessions[session_id] = merged
                return SessionUpdated(session=merged)
        return event
